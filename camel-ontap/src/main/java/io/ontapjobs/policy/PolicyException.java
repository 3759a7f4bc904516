package io.ontapjobs.policy;

/** A policy file that cannot be used; the message names the file, the line and the key. */
public class PolicyException extends RuntimeException {
    public PolicyException(String message) {
        super(message);
    }

    public PolicyException(String message, Throwable cause) {
        super(message, cause);
    }
}
