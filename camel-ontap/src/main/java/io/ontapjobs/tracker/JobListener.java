package io.ontapjobs.tracker;

import io.ontapjobs.ontap.Job;

/** Told when a watched job's state or message changes (progress, pause), before it ends. */
@FunctionalInterface
public interface JobListener {
    JobListener NONE = job -> { };

    void changed(Job job);

    /** Told after every answer about the job, changed or not. */
    default void polled(Job job) {
    }
}
