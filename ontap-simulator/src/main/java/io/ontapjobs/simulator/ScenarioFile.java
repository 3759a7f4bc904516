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
 * </pre>
 */
public final class ScenarioFile {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final List<Scenario> scenarios;
    private final List<Fault> faults;
    private final Map<String, List<ObjectNode>> collections;

    private ScenarioFile(List<Scenario> scenarios, List<Fault> faults, Map<String, List<ObjectNode>> collections) {
        this.scenarios = List.copyOf(scenarios);
        this.faults = List.copyOf(faults);
        this.collections = Collections.unmodifiableMap(collections);
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
            return new ScenarioFile(scenarios, faults, collections);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scenario file " + file + ": " + e.getMessage(), e);
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
