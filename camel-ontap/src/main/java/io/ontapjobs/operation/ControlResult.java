package io.ontapjobs.operation;

/**
 * The answer to a cancel, pause or resume.
 *
 * @param status      the status for an API caller: 200 accepted, 404 unknown, 409 refused (ONTAP's code and message
 *                    say why), 503 cluster unreachable
 * @param ontapStatus the HTTP status ONTAP answered, when it answered
 */
public record ControlResult(int status, boolean accepted, String code, String message, String job, Integer ontapStatus) {

    public ControlResult(int status, boolean accepted, String code, String message, String job) {
        this(status, accepted, code, message, job, accepted ? 200 : null);
    }

    static ControlResult refused(int status, Integer ontapStatus, String code, String message, String job) {
        return new ControlResult(status, false, code, message, job, ontapStatus);
    }
}
