package io.ontapjobs.outcome;

/**
 * Told of every outcome once it is recorded, whichever route or entry point ran the operation: to publish outcomes
 * somewhere of the application's choosing. The component calls every {@code OutcomeListener} bean of the registry. A
 * listener must return quickly (it runs on the component's threads); what it throws is logged, never the operation's
 * concern.
 */
@FunctionalInterface
public interface OutcomeListener {
    void ended(Outcome outcome);
}
