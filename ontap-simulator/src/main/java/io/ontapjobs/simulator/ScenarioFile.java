package io.ontapjobs.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML file of scenarios, faults and seeded collections:
 *
 * <pre>
 * scenarios:
 *   - method: POST
 *     path: /api/storage/volumes*
 *     duration: 2s
 *     fails: {code: 524486, message: "Volume busy"}
 * faults:
 *   - {method: GET, path: /api/cluster/jobs*, status: 503, retry-after: 1s, times: 3}
 * collections:
 *   /api/svm/svms: [{name: vs0}]
 * ems:
 *   nodes: [{name: c1-01}, {name: c1-02, clock-skew: -5s}]
 *   events: [{node: c1-01, message: monitor.volume.full, parameters: {name: vol1}, at: 10s}]
 *   volumes: [{name: vol2, start: 90, step: 1, every: 10s}]
 * </pre>
 */
public final class ScenarioFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final List<Scenario> scenarios;
    private final List<Fault> faults;
    private final Map<String, List<ObjectNode>> collections;
    private final EmsSettings ems;

    private ScenarioFile(List<Scenario> scenarios, List<Fault> faults, Map<String, List<ObjectNode>> collections, EmsSettings ems) {
        this.scenarios = List.copyOf(scenarios);
        this.faults = List.copyOf(faults);
        this.collections = Collections.unmodifiableMap(collections);
        this.ems = ems;
    }

    /** An event of {@code ems.events}: emitted {@code at} after loading, on the simulator's clock. */
    record FileEvent(Duration at, String node, String message, String severity, Map<String, String> parameters) {
    }

    /** A volume of {@code ems.volumes}: its fill rises {@code step} % every {@code every} from {@code start} %. */
    record VolumeFill(String name, String svm, String node, double start, double step, Duration every) {
    }

    /** The {@code ems:} section: cluster shape (applied when building) and events (scheduled when loaded). */
    static final class EmsSettings {
        String cluster;
        Integer nodeCount;
        List<String> nodes;
        final Map<String, Duration> skews = new LinkedHashMap<>();
        Integer logSize;
        final List<FileEvent> events = new ArrayList<>();
        final List<VolumeFill> volumes = new ArrayList<>();

        void applyTo(OntapSimulator.Builder b) {
            if (cluster != null) {
                b.clusterName(cluster);
            }
            if (nodeCount != null) {
                b.nodeCount(nodeCount);
            }
            if (nodes != null) {
                b.nodes(nodes.toArray(new String[0]));
            }
            skews.forEach(b::clockSkew);
            if (logSize != null) {
                b.emsLogSize(logSize);
            }
        }
    }

    /** The EMS events and volume fills of this file, scheduled from now on the simulator's clock. */
    void scheduleOn(Ems target) {
        for (FileEvent e : ems.events) {
            target.schedule(e.at(), e.node(), e.message(), e.severity(), e.parameters());
        }
        for (VolumeFill v : ems.volumes) {
            target.scheduleVolumeFill(v.name(), v.svm(), v.node(), v.start(), v.step(), v.every());
        }
    }

    EmsSettings emsSettings() {
        return ems;
    }

    /** The events of {@code ems.events}, in file order. */
    public List<FileEvent> emsEvents() {
        return List.copyOf(ems.events);
    }

    /** The volumes of {@code ems.volumes}, in file order. */
    public List<VolumeFill> emsVolumes() {
        return List.copyOf(ems.volumes);
    }

    /**
     * Reads and validates a scenario file.
     *
     * @throws IllegalArgumentException whose message names the file, the bad key (path such as
     *         {@code scenarios[1].duration}) and, for unknown keys, the line and the known keys
     * @throws UncheckedIOException when the file cannot be read
     */
    public static ScenarioFile load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scenario file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Validates scenario text read from elsewhere (a jar's copy); {@code file} names it in messages. */
    public static ScenarioFile parse(String text, String file) {
        Specs.FileSpec spec;
        try {
            spec = text.isBlank() ? new Specs.FileSpec() : YAML.readValue(text, Specs.FileSpec.class);
            if (spec == null) {
                spec = new Specs.FileSpec();
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("scenario file " + file + ": " + Specs.describe(e).getMessage(), e);
        }
        try {
            List<Scenario> scenarios = new ArrayList<>();
            if (spec.scenarios != null) {
                for (int i = 0; i < spec.scenarios.size(); i++) {
                    if (spec.scenarios.get(i) == null) {
                        throw new IllegalArgumentException("scenarios[" + i + "]: empty entry");
                    }
                    scenarios.add(Specs.toScenario(spec.scenarios.get(i), "scenarios[" + i + "]"));
                }
            }
            List<Fault> faults = new ArrayList<>();
            if (spec.faults != null) {
                for (int i = 0; i < spec.faults.size(); i++) {
                    if (spec.faults.get(i) == null) {
                        throw new IllegalArgumentException("faults[" + i + "]: empty entry");
                    }
                    faults.add(Specs.toFault(spec.faults.get(i), "faults[" + i + "]"));
                }
            }
            Map<String, List<ObjectNode>> collections = new LinkedHashMap<>();
            if (spec.collections != null) {
                for (Map.Entry<String, List<ObjectNode>> e : spec.collections.entrySet()) {
                    if (!e.getKey().startsWith("/api/")) {
                        throw new IllegalArgumentException("collections." + e.getKey() + ": a collection path starts with /api/");
                    }
                    collections.put(e.getKey(), e.getValue() == null ? List.of() : List.copyOf(e.getValue()));
                }
            }
            return new ScenarioFile(scenarios, faults, collections, ems(spec.ems));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scenario file " + file + ": " + e.getMessage(), e);
        }
    }

    private static EmsSettings ems(Specs.EmsSpec spec) {
        EmsSettings out = new EmsSettings();
        if (spec == null) {
            return out;
        }
        out.cluster = spec.cluster;
        out.nodeCount = spec.nodeCount;
        if (spec.nodeCount != null && (spec.nodeCount < 1 || spec.nodeCount > 24)) {
            throw new IllegalArgumentException("ems.node-count: must be within 1..24, not " + spec.nodeCount);
        }
        if (spec.logSize != null && spec.logSize < 0) {
            throw new IllegalArgumentException("ems.log-size: must be at least 0, not " + spec.logSize);
        }
        out.logSize = spec.logSize;
        if (spec.nodes != null) {
            out.nodes = new ArrayList<>();
            for (int i = 0; i < spec.nodes.size(); i++) {
                Specs.NodeSpec n = spec.nodes.get(i);
                String where = "ems.nodes[" + i + "]";
                if (n == null || n.name == null || n.name.isBlank()) {
                    throw new IllegalArgumentException(where + ".name: is required");
                }
                if (out.nodes.contains(n.name)) {
                    throw new IllegalArgumentException(where + ".name: '" + n.name + "' is given twice");
                }
                out.nodes.add(n.name);
                if (n.clockSkew != null) {
                    out.skews.put(n.name, Specs.signedDuration(n.clockSkew, where, "clock-skew"));
                }
            }
        }
        List<String> severities = Ems.SEVERITIES;
        if (spec.events != null) {
            for (int i = 0; i < spec.events.size(); i++) {
                Specs.EventSpec e = spec.events.get(i);
                String where = "ems.events[" + i + "]";
                if (e == null || e.message == null || e.message.isBlank()) {
                    throw new IllegalArgumentException(where + ".message: is required");
                }
                if (e.severity != null && !severities.contains(e.severity.trim().toLowerCase())) {
                    throw new IllegalArgumentException(where + ".severity: '" + e.severity + "' is not one of " + severities);
                }
                checkNode(out, e.node, where);
                Duration at = e.at == null ? Duration.ZERO : Specs.durationAt(e.at, where, "at");
                out.events.add(new FileEvent(at, e.node, e.message, e.severity,
                        e.parameters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(e.parameters))));
            }
        }
        if (spec.volumes != null) {
            for (int i = 0; i < spec.volumes.size(); i++) {
                Specs.VolumeSpec v = spec.volumes.get(i);
                String where = "ems.volumes[" + i + "]";
                if (v == null || v.name == null || v.name.isBlank()) {
                    throw new IllegalArgumentException(where + ".name: is required");
                }
                double start = v.start == null ? 90 : v.start;
                double step = v.step == null ? 1 : v.step;
                if (start < 0 || start > 100) {
                    throw new IllegalArgumentException(where + ".start: a percentage within 0..100, not " + start);
                }
                if (step <= 0) {
                    throw new IllegalArgumentException(where + ".step: must be more than 0, not " + step);
                }
                checkNode(out, v.node, where);
                Duration every = v.every == null ? Duration.ofSeconds(1) : Specs.durationAt(v.every, where, "every");
                out.volumes.add(new VolumeFill(v.name, v.svm == null ? "vs0" : v.svm, v.node, start, step, every));
            }
        }
        return out;
    }

    private static void checkNode(EmsSettings s, String node, String where) {
        if (node != null && s.nodes != null && !s.nodes.contains(node)) {
            throw new IllegalArgumentException(where + ".node: '" + node + "' is not one of ems.nodes " + s.nodes);
        }
    }

    public List<Scenario> scenarios() {
        return scenarios;
    }

    public List<Fault> faults() {
        return faults;
    }

    /** Seed records by collection path (e.g. {@code /api/storage/volumes}). */
    public Map<String, List<ObjectNode>> collections() {
        return collections;
    }
}
