package io.ontapjobs.operation;

/**
 * Thrown by an {@link OperationRepository} that refuses a step because this process may no longer record it: another
 * process owns the operation's cluster now (its newer ownership epoch fences this one out), or the operation was
 * ended elsewhere. The runner then drops its in-memory run without ending or publishing anything; whoever waits for
 * the operation gets the outcome the store holds, once it is there.
 */
public class OwnershipLostException extends RuntimeException {
    public OwnershipLostException(String message) {
        super(message);
    }
}
