package io.ontapjobs.operation;

import java.util.List;
import java.util.Locale;

/** Where an operation is on its way to an outcome. Its repository stores {@link #word()} ({@link #ofStored} reads it back). */
public enum OperationState {
    /** Recorded; nothing sent yet. */
    ACCEPTED,
    /** Its trigger is being sent (a first time or again): should the process die now, it may or may not have arrived. */
    TRIGGERING,
    /** The cluster answered with its job(s), which are being watched (or, after they ended, a retry awaited). */
    RUNNING,
    /** It has its outcome. */
    ENDED;

    /** The states before an outcome, as the in-flight gauge counts them. */
    public static final List<OperationState> IN_FLIGHT = List.of(ACCEPTED, TRIGGERING, RUNNING);

    /** accepted, triggering, running or ended. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state of a stored status: accepted, triggering, running, or (any outcome's word) ended. */
    public static OperationState ofStored(String status) {
        return switch (status) {
            case "accepted" -> ACCEPTED;
            case "triggering" -> TRIGGERING;
            case "running" -> RUNNING;
            default -> ENDED;
        };
    }
}
