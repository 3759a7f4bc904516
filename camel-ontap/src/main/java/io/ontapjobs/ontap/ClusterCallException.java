package io.ontapjobs.ontap;

import java.io.IOException;

/** A REST call that got no usable answer: the connection failed, timed out, was reset, or the body was cut short. */
public class ClusterCallException extends IOException {

    public enum Kind {
        /** The request never left: connection refused, connect timeout, unknown host. Safe to send again. */
        NOT_SENT,
        /** The request may have reached the cluster: read timeout, reset, truncated or unreadable answer. */
        UNCERTAIN,
        /** The server's certificate was not trusted: a configuration problem, not a transient one. */
        TLS
    }

    private final Kind kind;

    public ClusterCallException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
