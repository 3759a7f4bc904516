package io.ontapjobs.tracker;

import io.ontapjobs.ontap.Job;

/**
 * Who holds a {@link Watched} record, and what news waits for the holder. Only the holder changes the record; whoever
 * finds it held hands its news (an end the watermark query saw, the deadline) over by replacing the holder, and the
 * holder acts on it when it lets go. The states are compared by identity ({@code compareAndSet}): use the constants.
 */
sealed interface Holder {
    /** Nobody holds the record. */
    Holder FREE = new Free();
    /** A poll, the tick, the watermark query or the deadline holds it. */
    Holder BUSY = new Busy();
    /** Held, and its deadline passed meanwhile. */
    Holder DEADLINE_PASSED = new BusyDeadlinePassed();

    record Free() implements Holder {
    }

    record Busy() implements Holder {
    }

    record BusyDeadlinePassed() implements Holder {
    }

    /** Held, and the watermark query saw the job end meanwhile: an end that came in time beats the deadline. */
    record BusyEnded(Job end) implements Holder {
    }
}
