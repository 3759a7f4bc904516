package io.ontapjobs.component;

/**
 * What an {@code ontap:} producer does with a message: the option {@code operation}, or the header
 * {@code CamelOntapOperation} for one message.
 */
public enum OntapOperation {
    /** Trigger, await the job(s) without holding a thread, let the policy decide; the outcome is the answer. */
    run,
    /** Trigger only; the job UUIDs come back at once, nothing is tracked or stored. */
    trigger,
    /** GET the path, every page of it, as a list of records. */
    read,
    /** Cancel the running job of an operation, or a job by UUID. */
    cancel,
    /** Pause the running job of an operation, or a job by UUID. */
    pause,
    /** Resume the paused job of an operation, or a job by UUID. */
    resume
}
