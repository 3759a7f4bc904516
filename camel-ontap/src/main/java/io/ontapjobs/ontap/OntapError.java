package io.ontapjobs.ontap;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** ONTAP's error object; {@code code} is a string in ONTAP's JSON. Its text is made printable ({@link Printable}). */
public record OntapError(String code, String message, String target) {

    /** The job has been deleted (or never existed). */
    public static final String ENTRY_DOES_NOT_EXIST = "4";

    public static Optional<OntapError> from(JsonNode body) {
        if (body == null || !body.path("error").isObject()) {
            return Optional.empty();
        }
        JsonNode e = body.get("error");
        return Optional.of(new OntapError(text(e, "code"), text(e, "message"), text(e, "target")));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : Printable.of(v.asText());
    }

    @Override
    public String toString() {
        return "ONTAP error " + code + (message != null ? ": " + message : "") + (target != null && !target.isBlank() ? " (target " + target + ")" : "");
    }
}
