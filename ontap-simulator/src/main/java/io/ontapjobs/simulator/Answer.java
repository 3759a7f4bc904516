package io.ontapjobs.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer of the simulator before it is sent: status, JSON body and extra headers. */
final class Answer {
    final int status;
    final JsonNode body;
    final Map<String, String> headers = new LinkedHashMap<>();

    Answer(int status, JsonNode body) {
        this.status = status;
        this.body = body;
    }

    static Answer error(ApiError e) {
        return error(e.status, e.code, e.getMessage(), e.target);
    }

    /** ONTAP's error shape; a null target leaves the key out (the 401 answer has none). */
    static Answer error(int status, String code, String message, String target) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ObjectNode err = o.putObject("error");
        err.put("message", message);
        err.put("code", code);
        if (target != null) {
            err.put("target", target);
        }
        return new Answer(status, o);
    }
}
