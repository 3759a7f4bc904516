package io.ontapjobs.operation;

/** A request that cannot run as it stands; the message names the bad field. Never needs a stack trace. */
public class InvalidRequestException extends RuntimeException {
    private final String field;

    public InvalidRequestException(String field, String message) {
        super(field == null ? message : field + ": " + message);
        this.field = field;
    }

    /** The request field at fault, or {@code null} when the whole document is. */
    public String field() {
        return field;
    }
}
