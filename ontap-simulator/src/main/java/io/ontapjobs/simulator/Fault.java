package io.ontapjobs.simulator;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A transport or server fault injected before authentication and routing: an HTTP error status, a dropped
 * connection, a truncated body or added latency. Built with {@link #on(String, String)}.
 *
 * <pre>{@code
 * Fault.on("GET", "/api/cluster/jobs*").status(503).retryAfter(Duration.ofSeconds(1)).times(3).build();
 * Fault.on("*", "/api/*").drop().times(1).build();
 * }</pre>
 *
 * A fault is immutable; the simulator keeps its own copy of every added fault, whose count ({@link Builder#times(int)})
 * is used up by applications, so one Fault can be added to several simulators or tests.
 */
public final class Fault {
    /** What a fault does to a request. */
    public enum Kind {
        /** Answer with an HTTP status (and an ONTAP error body, optional Retry-After). */
        STATUS,
        /** Close the connection without any response. */
        DROP,
        /** Send the normal answer's headers with the full Content-Length, then half the body, then close. */
        TRUNCATE,
        /** Wait, then answer normally. */
        LATENCY
    }

    private final String method;
    private final String path;
    private final Pattern pathPattern;
    private final Kind kind;
    private final int status;
    private final Duration retryAfter;
    private final String errorCode;
    private final String errorMessage;
    private final Duration latency;
    private final int times;
    private final double probability;
    private final AtomicLong remaining;

    private Fault(Builder b) {
        this.method = b.method;
        this.path = b.path;
        this.pathPattern = Glob.compile(b.path, false);
        this.kind = b.kind;
        this.status = b.status;
        this.retryAfter = b.retryAfter;
        this.errorCode = b.errorCode != null ? b.errorCode : String.valueOf(b.status);
        this.errorMessage = b.errorMessage != null ? b.errorMessage : "Simulated fault: HTTP " + b.status + ".";
        this.latency = b.latency;
        this.times = b.times;
        this.probability = b.probability;
        this.remaining = new AtomicLong(b.times < 0 ? Long.MAX_VALUE : b.times);
    }

    /** A copy with its full count of applications: each simulator uses its own copy of an added fault. */
    private Fault(Fault o) {
        this.method = o.method;
        this.path = o.path;
        this.pathPattern = o.pathPattern;
        this.kind = o.kind;
        this.status = o.status;
        this.retryAfter = o.retryAfter;
        this.errorCode = o.errorCode;
        this.errorMessage = o.errorMessage;
        this.latency = o.latency;
        this.times = o.times;
        this.probability = o.probability;
        this.remaining = new AtomicLong(o.times < 0 ? Long.MAX_VALUE : o.times);
    }

    Fault fresh() {
        return new Fault(this);
    }

    /** Starts a fault for requests with this method ({@code *} for any) and path glob ({@code *} matches anything). */
    public static Builder on(String method, String pathGlob) {
        return new Builder(method, pathGlob);
    }

    boolean matches(String requestMethod, String requestPath) {
        return ("*".equals(method) || method.equalsIgnoreCase(requestMethod)) && pathPattern.matcher(requestPath).matches();
    }

    /** Uses up one application; false when the fault is exhausted. */
    boolean tryConsume() {
        while (true) {
            long r = remaining.get();
            if (r <= 0) {
                return false;
            }
            if (r == Long.MAX_VALUE || remaining.compareAndSet(r, r - 1)) {
                return true;
            }
        }
    }

    boolean exhausted() {
        return remaining.get() <= 0;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status of a {@link Kind#STATUS} fault. */
    public int status() {
        return status;
    }

    /** Retry-After of a {@link Kind#STATUS} fault, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** {@code error.code} of a {@link Kind#STATUS} fault's body (default: the HTTP status). */
    public String errorCode() {
        return errorCode;
    }

    public String errorMessage() {
        return errorMessage;
    }

    /** Delay of a {@link Kind#LATENCY} fault. */
    public Duration latency() {
        return latency;
    }

    /** How many requests it applies to; -1 = unlimited until cleared. */
    public int times() {
        return times;
    }

    /** Chance (0..1) that a matching request is hit; 1 = always. */
    public double probability() {
        return probability;
    }

    /** Applications left of this instance (Long.MAX_VALUE when unlimited); the simulator counts on its own copy. */
    public long remaining() {
        return remaining.get();
    }

    @Override
    public String toString() {
        String what;
        switch (kind) {
            case STATUS: what = "status " + status + (retryAfter != null ? " retry-after " + SimDurations.format(retryAfter) : ""); break;
            case LATENCY: what = "latency " + SimDurations.format(latency); break;
            default: what = kind.name().toLowerCase();
        }
        return "Fault[" + method + " " + path + " " + what + (times >= 0 ? " times " + times : "")
                + (probability < 1 ? " p=" + probability : "") + "]";
    }

    /** Fluent builder; pick exactly one of status, drop, truncate, latency. */
    public static final class Builder {
        private final String method;
        private final String path;
        private Kind kind;
        private int status;
        private Duration retryAfter;
        private String errorCode;
        private String errorMessage;
        private Duration latency;
        private int times = -1;
        private double probability = 1.0;

        private Builder(String method, String path) {
            this.method = Objects.requireNonNull(method, "method").trim().toUpperCase();
            this.path = Objects.requireNonNull(path, "path");
            if (this.method.isEmpty() || path.isEmpty()) {
                throw new IllegalArgumentException("fault needs a method (or *) and a path glob");
            }
        }

        /** Answer with this HTTP status and an ONTAP error body. */
        public Builder status(int status) {
            if (status < 100 || status > 599) {
                throw new IllegalArgumentException("status must be an HTTP status, not " + status);
            }
            kind(Kind.STATUS);
            this.status = status;
            return this;
        }

        /** Retry-After header (whole seconds, rounded up) on a status fault. */
        public Builder retryAfter(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("retry-after must be a non-negative duration");
            }
            this.retryAfter = d;
            return this;
        }

        /** {@code error.code} and {@code error.message} of a status fault's body. */
        public Builder error(long code, String message) {
            this.errorCode = String.valueOf(code);
            this.errorMessage = message;
            return this;
        }

        /** Close the connection without any response. */
        public Builder drop() {
            kind(Kind.DROP);
            return this;
        }

        /** Send headers with the full Content-Length, then half the body, then close. */
        public Builder truncate() {
            kind(Kind.TRUNCATE);
            return this;
        }

        /** Wait this long, then answer normally. */
        public Builder latency(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("latency must be a non-negative duration");
            }
            kind(Kind.LATENCY);
            this.latency = d;
            return this;
        }

        /** Apply to the next n matching requests only (default: unlimited until cleared). */
        public Builder times(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("times must be >= 0, not " + n);
            }
            this.times = n;
            return this;
        }

        /** Apply to a matching request with this probability (0..1), drawn from the simulator's seeded Random. */
        public Builder probability(double p) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("probability must be within 0..1, not " + p);
            }
            this.probability = p;
            return this;
        }

        public Fault build() {
            if (kind == null) {
                throw new IllegalStateException("a fault needs one of status, drop, truncate, latency");
            }
            if (retryAfter != null && kind != Kind.STATUS) {
                throw new IllegalStateException("retry-after only applies to a status fault");
            }
            return new Fault(this);
        }

        private void kind(Kind k) {
            if (kind != null && kind != k) {
                throw new IllegalStateException("a fault has one kind: " + kind.name().toLowerCase() + " and " + k.name().toLowerCase() + " given");
            }
            kind = k;
        }
    }
}
