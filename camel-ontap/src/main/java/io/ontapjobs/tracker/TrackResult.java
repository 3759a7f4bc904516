package io.ontapjobs.tracker;

import io.ontapjobs.ontap.Job;

/**
 * How watching one job ended.
 *
 * @param job   the last state seen (the final one when {@link End#FINISHED}); {@code null} if never seen
 * @param polls how many answers about this job were read
 */
public record TrackResult(End end, Job job, int polls, String reason) {

    public enum End {
        /** The job reached {@code success} or {@code failure}. */
        FINISHED,
        /** The cluster answered 404: the job was deleted before we saw it end. */
        VANISHED,
        /** The deadline passed while the job was still unfinished (or the cluster unreachable). */
        TIMED_OUT
    }
}
