package io.ontapjobs.ontap;

/**
 * Text from a cluster (a job's message, an error's message) made safe to show: a terminal must not take an escape
 * sequence in a job message for a command, and a log line must stay one line. Tabs and line breaks become a space;
 * every other control character (C0, DEL, C1) and the bidirectional overrides that reorder what a reader sees become
 * a visible {@code \}{@code uXXXX}.
 */
public final class Printable {
    private Printable() {
    }

    public static String of(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length() && !needsChange(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text; // the usual case: nothing to change, nothing copied
        }
        StringBuilder s = new StringBuilder(text.length() + 8).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\t' || c == '\n' || c == '\r') {
                s.append(' ');
            } else if (needsChange(c)) {
                s.append(String.format("\\u%04X", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static boolean needsChange(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
                || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }
}
