package io.ontapjobs.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the simulator answers a matching POST/PATCH/DELETE under {@code /api/}: how long the started job stays
 * queued and running, how it ends, which job actions it supports, or whether the request is refused, answered
 * synchronously or answered with several jobs. Immutable; build with {@link #on(String, String)}.
 *
 * <pre>{@code
 * Scenario.on("POST", "/api/storage/volumes*").duration(Duration.ofMillis(300)).fails(917927, "Volume busy").build();
 * Scenario.on("POST", "/api/snapmirror/*").runsUntilCancelled().cancelUnsupported().build();
 * }</pre>
 */
public final class Scenario {
    private final String method;
    private final String path;
    private final Pattern pathPattern;
    private final String bodyContains;
    private final Duration queued;
    private final Duration duration;
    private final boolean fails;
    private final long failCode;
    private final String failMessage;
    private final String failTarget;
    private final boolean runsUntilCancelled;
    private final boolean cancelUnsupported;
    private final boolean pauseUnsupported;
    private final int triggerStatus;
    private final long triggerCode;
    private final String triggerMessage;
    private final String triggerTarget;
    private final int jobs;
    private final int synchronousStatus;
    private final List<String> progress;
    /** Triggers this scenario still applies to; it stops matching at 0 (unlimited: Long.MAX_VALUE). */
    private final java.util.concurrent.atomic.AtomicLong remaining;

    private Scenario(Builder b) {
        this.method = b.method;
        this.path = b.path;
        this.pathPattern = Glob.compile(b.path, false);
        this.bodyContains = b.bodyContains;
        this.queued = b.queued;
        this.duration = b.duration;
        this.fails = b.fails;
        this.failCode = b.failCode;
        this.failMessage = b.failMessage;
        this.failTarget = b.failTarget;
        this.runsUntilCancelled = b.runsUntilCancelled;
        this.cancelUnsupported = b.cancelUnsupported;
        this.pauseUnsupported = b.pauseUnsupported;
        this.triggerStatus = b.triggerStatus;
        this.triggerCode = b.triggerCode;
        this.triggerMessage = b.triggerMessage;
        this.triggerTarget = b.triggerTarget;
        this.jobs = b.jobs;
        this.synchronousStatus = b.synchronousStatus;
        this.progress = List.copyOf(b.progress);
        this.remaining = new java.util.concurrent.atomic.AtomicLong(b.times < 0 ? Long.MAX_VALUE : b.times);
    }

    /** Takes one use of a limited scenario; false when it is used up (the next older matching scenario applies). */
    boolean claim() {
        while (true) {
            long r = remaining.get();
            if (r == Long.MAX_VALUE) {
                return true;
            }
            if (r <= 0) {
                return false;
            }
            if (remaining.compareAndSet(r, r - 1)) {
                return true;
            }
        }
    }

    /** Starts a scenario for requests with this method ({@code *} for any) and path glob ({@code *} matches anything, {@code /} included). */
    public static Builder on(String method, String pathGlob) {
        return new Builder(method, pathGlob);
    }

    /** The scenario used when no rule matches: the job succeeds after 1 s. */
    static Scenario defaultScenario() {
        return on("*", "*").build();
    }

    boolean matches(String requestMethod, String requestPath, String body) {
        if (!"*".equals(method) && !method.equalsIgnoreCase(requestMethod)) {
            return false;
        }
        if (!pathPattern.matcher(requestPath).matches()) {
            return false;
        }
        return bodyContains == null || (body != null && body.contains(bodyContains));
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /** Substring the request body must contain, or null. */
    public String bodyContains() {
        return bodyContains;
    }

    public Duration queued() {
        return queued;
    }

    public Duration duration() {
        return duration;
    }

    /** True when the job ends in {@code failure} with {@link #failCode()} and {@link #failMessage()}. */
    public boolean fails() {
        return fails;
    }

    public long failCode() {
        return failCode;
    }

    public String failMessage() {
        return failMessage;
    }

    /** The {@code error.target} of a failed job ({@code ""} unless set). */
    public String failTarget() {
        return failTarget;
    }

    public boolean runsUntilCancelled() {
        return runsUntilCancelled;
    }

    public boolean cancelUnsupported() {
        return cancelUnsupported;
    }

    public boolean pauseUnsupported() {
        return pauseUnsupported;
    }

    /** HTTP status refusing the trigger itself (no job is started), or 0. */
    public int triggerStatus() {
        return triggerStatus;
    }

    public long triggerCode() {
        return triggerCode;
    }

    public String triggerMessage() {
        return triggerMessage;
    }

    public String triggerTarget() {
        return triggerTarget;
    }

    /** Number of jobs started by one request; more than 1 answers {@code {"jobs": [...], "num_records": n}}. */
    public int jobs() {
        return jobs;
    }

    /** HTTP status of a synchronous answer without a job, or 0. */
    public int synchronousStatus() {
        return synchronousStatus;
    }

    /** Messages shown one after the other in {@code message} while the job runs. */
    public List<String> progress() {
        return progress;
    }

    @Override
    public String toString() {
        return "Scenario[" + method + " " + path + (bodyContains != null ? " body~'" + bodyContains + "'" : "")
                + (triggerStatus != 0 ? " refused " + triggerStatus + "/" + triggerCode
                : synchronousStatus != 0 ? " synchronous " + synchronousStatus
                : " queued " + SimDurations.format(queued) + " runs " + (runsUntilCancelled ? "until cancelled" : SimDurations.format(duration))
                + (fails ? " fails " + failCode : " succeeds") + (jobs != 1 ? " jobs " + jobs : ""))
                + "]";
    }

    /** Fluent builder; every method returns this builder. */
    public static final class Builder {
        private final String method;
        private final String path;
        private String bodyContains;
        private Duration queued = Duration.ZERO;
        private Duration duration = Duration.ofSeconds(1);
        private boolean fails;
        private long failCode;
        private String failMessage = "";
        private String failTarget = "";
        private boolean runsUntilCancelled;
        private boolean cancelUnsupported;
        private boolean pauseUnsupported;
        private int triggerStatus;
        private long triggerCode;
        private String triggerMessage;
        private String triggerTarget = "";
        private int jobs = 1;
        private long times = -1;
        private int synchronousStatus;
        private final List<String> progress = new ArrayList<>();

        private Builder(String method, String path) {
            this.method = Objects.requireNonNull(method, "method").trim().toUpperCase();
            this.path = Objects.requireNonNull(path, "path");
            if (this.method.isEmpty() || path.isEmpty()) {
                throw new IllegalArgumentException("scenario needs a method (or *) and a path glob");
            }
        }

        /** Applies to the next {@code n} matching triggers only, then falls through to older scenarios (e.g. fail twice, then succeed). */
        public Builder times(long n) {
            if (n < 1) {
                throw new IllegalArgumentException("times must be at least 1, not " + n);
            }
            this.times = n;
            return this;
        }

        /** Only requests whose body contains this substring match. */
        public Builder bodyContains(String substring) {
            this.bodyContains = substring;
            return this;
        }

        /** Time in state {@code queued} before running (default 0). */
        public Builder queued(Duration d) {
            this.queued = nonNegative(d, "queued");
            return this;
        }

        /** Running time (default 1 s). */
        public Builder duration(Duration d) {
            this.duration = nonNegative(d, "duration");
            return this;
        }

        /** The job ends in {@code success} (the default). */
        public Builder succeeds() {
            this.fails = false;
            return this;
        }

        /** The job ends in {@code failure} with this code and message (also in {@code error}). */
        public Builder fails(long code, String message) {
            return fails(code, message, "");
        }

        /** The job ends in {@code failure} with this code, message and {@code error.target}. */
        public Builder fails(long code, String message, String target) {
            this.fails = true;
            this.failCode = code;
            this.failMessage = message == null ? "" : message;
            this.failTarget = target == null ? "" : target;
            return this;
        }

        /** The job runs until it is cancelled (or forever). */
        public Builder runsUntilCancelled() {
            this.runsUntilCancelled = true;
            return this;
        }

        /** {@code PATCH ...?action=cancel} answers 458784. */
        public Builder cancelUnsupported() {
            this.cancelUnsupported = true;
            return this;
        }

        /** {@code PATCH ...?action=pause} answers 458783. */
        public Builder pauseUnsupported() {
            this.pauseUnsupported = true;
            return this;
        }

        /** The trigger itself is refused with this HTTP status (no job); see {@link #triggerError}. */
        public Builder triggerStatus(int status) {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("trigger status must be 4xx or 5xx, not " + status);
            }
            this.triggerStatus = status;
            return this;
        }

        /** Error code and message of a refused trigger (see {@link #triggerStatus}). */
        public Builder triggerError(long code, String message) {
            return triggerError(code, message, "");
        }

        /** Error code, message and target of a refused trigger (see {@link #triggerStatus}). */
        public Builder triggerError(long code, String message, String target) {
            this.triggerCode = code;
            this.triggerMessage = message;
            this.triggerTarget = target == null ? "" : target;
            return this;
        }

        /** Shorthand for {@code triggerStatus(status).triggerError(code, message)}. */
        public Builder refused(int status, long code, String message) {
            return triggerStatus(status).triggerError(code, message);
        }

        /** Answer with n jobs ({@code {"jobs": [...], "num_records": n}}), as ONTAP does for query-based PATCH/DELETE. */
        public Builder jobs(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("jobs must be at least 1, not " + n);
            }
            this.jobs = n;
            return this;
        }

        /** Answer at once with this 2xx status and no job. */
        public Builder synchronous(int status) {
            if (status < 200 || status > 299) {
                throw new IllegalArgumentException("synchronous status must be 2xx, not " + status);
            }
            this.synchronousStatus = status;
            return this;
        }

        /** Messages shown in {@code message} while running, spread evenly over the running time. */
        public Builder progress(String... messages) {
            return progress(Arrays.asList(messages));
        }

        /** Messages shown in {@code message} while running, spread evenly over the running time. */
        public Builder progress(List<String> messages) {
            this.progress.clear();
            for (String m : messages) {
                this.progress.add(Objects.requireNonNull(m, "progress message"));
            }
            return this;
        }

        public Scenario build() {
            if (triggerStatus != 0 && triggerMessage == null) {
                triggerCode = triggerStatus == 400 ? 262197 : triggerStatus;
                triggerMessage = "Request refused by simulator scenario.";
            }
            if (triggerStatus == 0 && triggerMessage != null) {
                triggerStatus = 400;
            }
            return new Scenario(this);
        }

        private static Duration nonNegative(Duration d, String what) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be a non-negative duration");
            }
            return d;
        }
    }
}
