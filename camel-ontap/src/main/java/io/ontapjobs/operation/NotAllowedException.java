package io.ontapjobs.operation;


/**
 * A request the operator's allow list does not cover ({@code ontap.clusters.<name>.allow}): refused before anything
 * is stored or sent. The API answers it 403 naming the field {@code path}; the inbox and the queue reject it with
 * this reason, like any request that cannot run.
 */
public class NotAllowedException extends InvalidRequestException {
    public NotAllowedException(String message) {
        super("path", message);
    }

    /** @param field what decided the refused request, e.g. a header that chose it */
    public NotAllowedException(String field, String message) {
        super(field, message);
    }
}
