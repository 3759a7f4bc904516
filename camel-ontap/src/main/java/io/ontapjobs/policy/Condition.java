package io.ontapjobs.policy;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code when} of a rule; every condition given must hold.
 *
 * @param codes         matches the job's {@code code} or the {@code error.code} (job or trigger), compared as numbers
 * @param httpStatuses  matches the trigger's HTTP status
 * @param message       a regular expression that must match the whole job message or error message
 */
public record Condition(List<Long> codes, List<Integer> httpStatuses, Pattern message) {

    public boolean matches(Observation o) {
        if (codes != null && !(codes.contains(o.code()) || codes.contains(number(o.errorCode())))) {
            return false;
        }
        if (httpStatuses != null && (o.httpStatus() == null || !httpStatuses.contains(o.httpStatus()))) {
            return false;
        }
        return message == null || matches(o.message()) || matches(o.errorMessage());
    }

    private boolean matches(String text) {
        return text != null && message.matcher(text).matches();
    }

    private static Long number(String s) {
        try {
            return s == null ? null : Long.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
