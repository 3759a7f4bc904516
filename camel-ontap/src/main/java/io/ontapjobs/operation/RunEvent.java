package io.ontapjobs.operation;

import io.ontapjobs.ontap.ClusterCallException;
import io.ontapjobs.ontap.Job;
import io.ontapjobs.ontap.JobLinks;
import io.ontapjobs.ontap.OntapError;
import io.ontapjobs.ontap.OntapResponse;
import io.ontapjobs.tracker.TrackResult;
import java.util.List;

/** What an operation observed, as the {@link Decider} judges it. */
public sealed interface RunEvent {

    /**
     * The cluster answered the trigger.
     *
     * @param error          ONTAP's error object, or null
     * @param endedWithinCall the job that ended within the call ({@link JobLinks#endedWithinCall}), or null
     * @param jobs           the job UUIDs of a successful answer
     */
    record Answered(int status, boolean backPressure, boolean success, OntapError error, Job endedWithinCall,
                    List<String> jobs) implements RunEvent {
        public static Answered of(OntapResponse r) {
            return new Answered(r.status(), r.isBackPressure(), r.isSuccess(), r.error().orElse(null), JobLinks.endedWithinCall(r),
                    r.isSuccess() ? JobLinks.uuids(r.body()) : List.of());
        }
    }

    /** The trigger got no answer: never sent, maybe received, or the cluster's certificate refused. */
    record NoAnswer(ClusterCallException.Kind kind, String message) implements RunEvent {
    }

    /** A job changed while running (state or message). */
    record JobChanged(Job job) implements RunEvent {
    }

    /** Every job of the attempt has ended, vanished or passed the deadline. */
    record Tracked(List<TrackResult> results) implements RunEvent {
    }

    /** Taken up after the service stopped while sending the trigger. */
    record ResumedMidTrigger() implements RunEvent {
    }
}
