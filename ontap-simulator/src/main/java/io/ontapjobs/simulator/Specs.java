package io.ontapjobs.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The kebab-case JSON/YAML shapes of scenarios and faults shared by the control API and {@link ScenarioFile}, and
 * their conversion to {@link Scenario} / {@link Fault} with errors that name the offending key.
 */
final class Specs {
    private Specs() {
    }

    static final class ErrorSpec {
        @JsonProperty("code") Long code;
        @JsonProperty("message") String message;
        @JsonProperty("target") String target;
    }

    static final class ScenarioSpec {
        @JsonProperty("method") String method;
        @JsonProperty("path") String path;
        @JsonProperty("body-contains") String bodyContains;
        @JsonProperty("queued") String queued;
        @JsonProperty("duration") String duration;
        @JsonProperty("fails") ErrorSpec fails;
        @JsonProperty("runs-until-cancelled") Boolean runsUntilCancelled;
        @JsonProperty("cancel-unsupported") Boolean cancelUnsupported;
        @JsonProperty("pause-unsupported") Boolean pauseUnsupported;
        @JsonProperty("trigger-status") Integer triggerStatus;
        @JsonProperty("trigger-error") ErrorSpec triggerError;
        @JsonProperty("jobs") Integer jobs;
        @JsonProperty("synchronous") Integer synchronous;
        @JsonProperty("progress") List<String> progress;
        @JsonProperty("times") Integer times;
    }

    static final class FaultSpec {
        @JsonProperty("method") String method;
        @JsonProperty("path") String path;
        @JsonProperty("status") Integer status;
        @JsonProperty("retry-after") String retryAfter;
        @JsonProperty("error") ErrorSpec error;
        @JsonProperty("drop") Boolean drop;
        @JsonProperty("truncate") Boolean truncate;
        @JsonProperty("latency") String latency;
        @JsonProperty("times") Integer times;
        @JsonProperty("probability") Double probability;
    }

    static final class FileSpec {
        @JsonProperty("scenarios") List<ScenarioSpec> scenarios;
        @JsonProperty("faults") List<FaultSpec> faults;
        @JsonProperty("collections") Map<String, List<ObjectNode>> collections;
        @JsonProperty("ems") EmsSpec ems;
    }

    /** The {@code ems:} section of a scenario file. */
    static final class EmsSpec {
        @JsonProperty("cluster") String cluster;
        @JsonProperty("node-count") Integer nodeCount;
        @JsonProperty("nodes") List<NodeSpec> nodes;
        @JsonProperty("log-size") Integer logSize;
        @JsonProperty("events") List<EventSpec> events;
        @JsonProperty("volumes") List<VolumeSpec> volumes;
    }

    static final class NodeSpec {
        @JsonProperty("name") String name;
        @JsonProperty("clock-skew") String clockSkew;
    }

    /** An event to emit, {@code at} after the file is loaded (default at once), on the simulator's clock. */
    static final class EventSpec {
        @JsonProperty("node") String node;
        @JsonProperty("message") String message;
        @JsonProperty("severity") String severity;
        @JsonProperty("parameters") Map<String, String> parameters;
        @JsonProperty("at") String at;
    }

    /** A volume whose fill rises: {@code step} percent every {@code every} from {@code start} percent. */
    static final class VolumeSpec {
        @JsonProperty("name") String name;
        @JsonProperty("svm") String svm;
        @JsonProperty("node") String node;
        @JsonProperty("start") Double start;
        @JsonProperty("step") Double step;
        @JsonProperty("every") String every;
    }

    /** A signed duration: {@code 5s}, {@code -3s}. */
    static Duration signedDuration(String text, String where, String key) {
        String t = text == null ? "" : text.trim();
        boolean negative = t.startsWith("-");
        Duration d = duration(negative ? t.substring(1) : t, where, key);
        return negative ? d.negated() : d;
    }

    static Duration durationAt(String text, String where, String key) {
        return duration(text, where, key);
    }

    static Scenario toScenario(ScenarioSpec s, String where) {
        String path = require(s.path, where, "path");
        try {
            Scenario.Builder b = Scenario.on(s.method == null ? "*" : s.method, path);
            if (s.bodyContains != null) {
                b.bodyContains(s.bodyContains);
            }
            if (s.queued != null) {
                b.queued(duration(s.queued, where, "queued"));
            }
            if (s.duration != null) {
                b.duration(duration(s.duration, where, "duration"));
            }
            if (s.fails != null) {
                if (s.fails.code == null) {
                    throw bad(where, "fails.code", "is required");
                }
                b.fails(s.fails.code, s.fails.message == null ? "" : s.fails.message, s.fails.target);
            }
            if (Boolean.TRUE.equals(s.runsUntilCancelled)) {
                b.runsUntilCancelled();
            }
            if (Boolean.TRUE.equals(s.cancelUnsupported)) {
                b.cancelUnsupported();
            }
            if (Boolean.TRUE.equals(s.pauseUnsupported)) {
                b.pauseUnsupported();
            }
            if (s.triggerStatus != null) {
                try {
                    b.triggerStatus(s.triggerStatus);
                } catch (IllegalArgumentException e) {
                    throw bad(where, "trigger-status", e.getMessage());
                }
            }
            if (s.triggerError != null) {
                if (s.triggerError.code == null) {
                    throw bad(where, "trigger-error.code", "is required");
                }
                b.triggerError(s.triggerError.code, s.triggerError.message == null ? "" : s.triggerError.message, s.triggerError.target);
            }
            if (s.jobs != null) {
                try {
                    b.jobs(s.jobs);
                } catch (IllegalArgumentException e) {
                    throw bad(where, "jobs", e.getMessage());
                }
            }
            if (s.synchronous != null) {
                try {
                    b.synchronous(s.synchronous);
                } catch (IllegalArgumentException e) {
                    throw bad(where, "synchronous", e.getMessage());
                }
            }
            if (s.times != null) {
                b.times(s.times);
            }
            if (s.progress != null) {
                b.progress(s.progress);
            }
            return b.build();
        } catch (SpecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SpecException(prefix(where) + e.getMessage(), where);
        }
    }

    static Fault toFault(FaultSpec f, String where) {
        String path = require(f.path, where, "path");
        int kinds = (f.status != null ? 1 : 0) + (Boolean.TRUE.equals(f.drop) ? 1 : 0) + (Boolean.TRUE.equals(f.truncate) ? 1 : 0) + (f.latency != null ? 1 : 0);
        if (kinds != 1) {
            throw new SpecException(prefix(where) + "a fault needs exactly one of status, drop, truncate, latency", where);
        }
        try {
            Fault.Builder b = Fault.on(f.method == null ? "*" : f.method, path);
            if (f.status != null) {
                try {
                    b.status(f.status);
                } catch (IllegalArgumentException e) {
                    throw bad(where, "status", e.getMessage());
                }
                if (f.retryAfter != null) {
                    String ra = f.retryAfter.trim();
                    b.retryAfter(ra.matches("\\d+") ? Duration.ofSeconds(Long.parseLong(ra)) : duration(ra, where, "retry-after"));
                }
                if (f.error != null) {
                    if (f.error.code == null) {
                        throw bad(where, "error.code", "is required");
                    }
                    b.error(f.error.code, f.error.message == null ? "" : f.error.message);
                }
            } else if (f.retryAfter != null) {
                throw bad(where, "retry-after", "only applies to a status fault");
            } else if (f.error != null) {
                throw bad(where, "error", "only applies to a status fault");
            }
            if (Boolean.TRUE.equals(f.drop)) {
                b.drop();
            }
            if (Boolean.TRUE.equals(f.truncate)) {
                b.truncate();
            }
            if (f.latency != null) {
                b.latency(duration(f.latency, where, "latency"));
            }
            if (f.times != null) {
                try {
                    b.times(f.times);
                } catch (IllegalArgumentException e) {
                    throw bad(where, "times", e.getMessage());
                }
            }
            if (f.probability != null) {
                try {
                    b.probability(f.probability);
                } catch (IllegalArgumentException e) {
                    throw bad(where, "probability", e.getMessage());
                }
            }
            return b.build();
        } catch (SpecException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SpecException(prefix(where) + e.getMessage(), where);
        }
    }

    /** An invalid scenario/fault; {@link #key} is the dotted key path at fault. */
    static final class SpecException extends IllegalArgumentException {
        final String key;

        SpecException(String message, String key) {
            super(message);
            this.key = key;
        }
    }

    /** Describes a Jackson binding problem: the key path, the unknown key and the known ones, the location. */
    static SpecException describe(JsonProcessingException e) {
        String path = "";
        if (e instanceof JsonMappingException) {
            path = pathOf(((JsonMappingException) e).getPath());
        }
        JsonLocation loc = e.getLocation();
        String at = loc != null && loc.getLineNr() > 0 ? " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")" : "";
        if (e instanceof UnrecognizedPropertyException) {
            UnrecognizedPropertyException u = (UnrecognizedPropertyException) e;
            String known = knownKeys(u.getKnownPropertyIds());
            return new SpecException("unknown key '" + u.getPropertyName() + "' at " + (path.isEmpty() ? "top level" : path) + at
                    + (known.isEmpty() ? "" : "; known keys: " + known), u.getPropertyName());
        }
        String detail = e.getOriginalMessage();
        int nl = detail == null ? -1 : detail.indexOf('\n');
        if (nl > 0) {
            detail = detail.substring(0, nl);
        }
        return new SpecException((path.isEmpty() ? "" : "bad value at " + path) + at + ": " + detail, path);
    }

    private static String pathOf(List<JsonMappingException.Reference> refs) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String knownKeys(Collection<Object> ids) {
        if (ids == null) {
            return "";
        }
        List<String> names = new ArrayList<>();
        for (Object o : ids) {
            names.add(String.valueOf(o));
        }
        return String.join(", ", new TreeSet<>(names));
    }

    private static String require(String v, String where, String key) {
        if (v == null || v.isBlank()) {
            throw bad(where, key, "is required");
        }
        return v;
    }

    private static Duration duration(String text, String where, String key) {
        try {
            return SimDurations.parse(text);
        } catch (IllegalArgumentException e) {
            throw bad(where, key, e.getMessage());
        }
    }

    private static SpecException bad(String where, String key, String problem) {
        String full = where.isEmpty() ? key : where + "." + key;
        return new SpecException(full + ": " + problem, full);
    }

    private static String prefix(String where) {
        return where.isEmpty() ? "" : where + ": ";
    }
}
