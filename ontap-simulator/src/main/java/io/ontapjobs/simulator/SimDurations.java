package io.ontapjobs.simulator;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in scenario files and control-API requests: {@code 500ms}, {@code 2s}, {@code 10m},
 * {@code 1h}, {@code 1d} and concatenations such as {@code 1m30s}. Kept inside the simulator package so that
 * the simulator stays standalone.
 */
public final class SimDurations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private SimDurations() {
    }

    /** @throws IllegalArgumentException naming the bad text when it is not a duration */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration (use e.g. 500ms, 2s, 10m, 1h)");
        }
        String s = text.trim().toLowerCase();
        Matcher m = PART.matcher(s);
        Duration total = Duration.ZERO;
        int pos = 0;
        while (pos < s.length() && m.find(pos) && m.start() == pos) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": total = total.plusMillis(n); break;
                case "s": total = total.plusSeconds(n); break;
                case "m": total = total.plusMinutes(n); break;
                case "h": total = total.plusHours(n); break;
                default: total = total.plusDays(n); break;
            }
            pos = m.end();
        }
        if (pos != s.length() || pos == 0) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 500ms, 2s, 10m, 1h)");
        }
        return total;
    }

    /** Renders a duration in the same syntax, e.g. {@code 1500ms}, {@code 2s}, {@code 5m}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
