package io.ontapjobs.operation;

/**
 * A request whose id is known for another requester (another API client, the inbox, the queue, the operator's
 * routes): refused, disclosing nothing of that operation. The API answers it 409 naming the field {@code id}; the
 * inbox and the queue reject it with this reason, like any request that cannot run.
 */
public class IdTakenException extends InvalidRequestException {
    public IdTakenException() {
        super("id", "an operation with this id exists for another requester; choose another id");
    }
}
