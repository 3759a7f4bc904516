package io.ontapjobs.store;

/** The store could not be read or written: the operation's state is not safe, so the caller must not go on as if it were. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
