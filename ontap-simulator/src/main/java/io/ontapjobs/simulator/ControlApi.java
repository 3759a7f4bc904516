package io.ontapjobs.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;

/**
 * The {@code /_simulator} endpoints, which let any client read and reset the stats and list, add and clear scenarios
 * and faults over HTTP (no authentication, never faulted, not counted).
 */
final class ControlApi {
    static final String PATH = "/_simulator";
    /** Strict: a misspelt scenario or fault key is refused, not ignored. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Rules rules;
    private final SimulatorStats stats;
    private final JobTable jobs;
    private final Ems ems;

    ControlApi(Rules rules, SimulatorStats stats, JobTable jobs, Ems ems) {
        this.rules = rules;
        this.stats = stats;
        this.jobs = jobs;
        this.ems = ems;
    }

    /** The body of {@code POST /_simulator/ems/events}. */
    static final class EventBody {
        @com.fasterxml.jackson.annotation.JsonProperty("node") String node;
        @com.fasterxml.jackson.annotation.JsonProperty("message") String message;
        @com.fasterxml.jackson.annotation.JsonProperty("severity") String severity;
        @com.fasterxml.jackson.annotation.JsonProperty("parameters") java.util.LinkedHashMap<String, String> parameters;
    }

    /** True for {@code /_simulator} and the paths below it (already normalized). */
    static boolean serves(String path) {
        return path.equals(PATH) || path.startsWith(PATH + "/");
    }

    Answer answer(String method, String path, InputStream body) throws IOException {
        String sub = path.substring(PATH.length());
        ObjectNode ok = JsonNodeFactory.instance.objectNode();
        switch (method + " " + sub) {
            case "GET /stats": {
                ObjectNode o = JSON.valueToTree(stats.snapshot());
                o.put("jobs_held", jobs.size());
                return new Answer(200, o);
            }
            case "POST /stats/reset":
                stats.reset();
                return new Answer(200, ok);
            case "GET /scenarios": {
                ArrayNode a = ok.putArray("scenarios");
                rules.scenarios().forEach(s -> a.add(s.toString()));
                return new Answer(200, ok);
            }
            case "POST /scenarios":
                return addFromSpec(body, Specs.ScenarioSpec.class, "scenario", spec -> {
                    Scenario sc = Specs.toScenario(spec, "");
                    rules.addScenario(sc);
                    return sc;
                });
            case "DELETE /scenarios":
                rules.clearScenarios();
                return new Answer(200, ok);
            case "GET /faults": {
                ArrayNode a = ok.putArray("faults");
                rules.faults().forEach(f -> a.add(f.toString()));
                return new Answer(200, ok);
            }
            case "POST /faults":
                return addFromSpec(body, Specs.FaultSpec.class, "fault", spec -> {
                    Fault f = Specs.toFault(spec, "");
                    rules.addFault(f);
                    return f;
                });
            case "DELETE /faults":
                rules.clearFaults();
                return new Answer(200, ok);
            case "POST /ems/events":
                return emit(body);
            default:
                if (method.equals("POST") && sub.startsWith("/ems/nodes/") && sub.endsWith("/replace")) {
                    String node = sub.substring("/ems/nodes/".length(), sub.length() - "/replace".length());
                    try {
                        String uuid = ems.replaceNode(node);
                        ObjectNode o = JSON.createObjectNode();
                        o.put("name", node);
                        o.put("uuid", uuid);
                        return new Answer(200, o);
                    } catch (IllegalArgumentException e) {
                        return Answer.error(404, String.valueOf(OntapErrors.ENTRY_NOT_FOUND), e.getMessage(), "node");
                    }
                }
                return Answer.error(404, String.valueOf(OntapErrors.API_NOT_FOUND), "Unknown control endpoint: " + method + " " + path, "");
        }
    }

    /** {@code POST /_simulator/ems/events}: {"node", "message", "severity", "parameters": {name: value}} → 201 and where it is. */
    private Answer emit(InputStream body) throws IOException {
        EventBody e;
        try {
            e = JSON.readValue(body, EventBody.class);
        } catch (JsonProcessingException ex) {
            Specs.SpecException se = Specs.describe(ex);
            return controlError(se.getMessage(), se.key);
        }
        if (e == null || e.message == null || e.message.isBlank()) {
            return controlError("an event needs \"message\"", "message");
        }
        try {
            EmittedEvent done = ems.emit(e.node, e.message, e.severity, e.parameters);
            ObjectNode o = JSON.createObjectNode();
            ObjectNode n = o.putObject("node");
            n.put("name", done.nodeName());
            n.put("uuid", done.nodeUuid());
            o.put("index", done.index());
            o.putObject("_links").putObject("self").put("href", Ems.EVENTS + "/" + done.nodeUuid() + "/" + done.index());
            return new Answer(201, o);
        } catch (IllegalArgumentException ex) {
            return controlError(ex.getMessage(), e.severity != null && ex.getMessage().startsWith("severity") ? "severity" : "node");
        }
    }

    /** A scenario or fault posted to the control API: parsed, checked, added; a bad key is named. */
    private static <S> Answer addFromSpec(InputStream body, Class<S> type, String what, SpecAdder<S> add) throws IOException {
        ObjectNode ok = JSON.createObjectNode();
        try {
            S spec = JSON.readValue(body, type);
            if (spec == null) {
                return controlError("empty " + what, "");
            }
            ok.put("added", add.add(spec).toString());
            return new Answer(201, ok);
        } catch (JsonProcessingException e) {
            Specs.SpecException se = Specs.describe(e);
            return controlError(se.getMessage(), se.key);
        } catch (Specs.SpecException e) {
            return controlError(e.getMessage(), e.key);
        }
    }

    @FunctionalInterface
    private interface SpecAdder<S> {
        Object add(S spec);
    }

    private static Answer controlError(String message, String key) {
        return Answer.error(400, String.valueOf(OntapErrors.UNEXPECTED_ARGUMENT), message, key);
    }
}
