package io.ontapjobs.simulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** Glob patterns where {@code *} matches any characters, including {@code /}. */
final class Glob {
    private static final Map<String, Pattern> CACHE = new ConcurrentHashMap<>();

    private Glob() {
    }

    static Pattern compile(String glob, boolean caseInsensitive) {
        String key = (caseInsensitive ? "i:" : "s:") + glob;
        Pattern p = CACHE.get(key);
        if (p == null) {
            if (CACHE.size() > 4096) {
                CACHE.clear();
            }
            p = build(glob, caseInsensitive);
            CACHE.put(key, p);
        }
        return p;
    }

    private static Pattern build(String glob, boolean caseInsensitive) {
        StringBuilder re = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') {
                if (lit.length() > 0) {
                    re.append(Pattern.quote(lit.toString()));
                    lit.setLength(0);
                }
                re.append(".*");
            } else {
                lit.append(c);
            }
        }
        if (lit.length() > 0) {
            re.append(Pattern.quote(lit.toString()));
        }
        return Pattern.compile(re.toString(), caseInsensitive ? Pattern.CASE_INSENSITIVE | Pattern.DOTALL : Pattern.DOTALL);
    }
}
