package io.ontapjobs.policy;

/**
 * What happened, as rules see it: the trigger's answer, or a job's state.
 *
 * @param httpStatus the trigger's HTTP status; {@code null} at the job stage
 * @param code       the job's {@code code}; {@code null} at the trigger stage
 * @param errorCode  {@code error.code} of the job or of the trigger's error body (a string in ONTAP's JSON)
 */
public record Observation(Integer httpStatus, String state, Long code, String errorCode, String message, String errorMessage) {

    public static Observation trigger(int httpStatus, String errorCode, String errorMessage) {
        return new Observation(httpStatus, null, null, errorCode, null, errorMessage);
    }

    public static Observation job(String state, Long code, String errorCode, String message, String errorMessage) {
        return new Observation(null, state, code, errorCode, message, errorMessage);
    }
}
