package io.ontapjobs.simulator;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A request's query: decoded name/value pairs (last one wins) plus the raw pairs, kept to build next links. */
final class QueryParams {
    final String raw;
    final List<String[]> rawPairs = new ArrayList<>();
    final Map<String, String> values = new LinkedHashMap<>();

    QueryParams(String rawQuery) {
        this.raw = rawQuery == null ? "" : rawQuery;
        if (raw.isEmpty()) {
            return;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String rn = eq < 0 ? part : part.substring(0, eq);
            String rv = eq < 0 ? "" : part.substring(eq + 1);
            rawPairs.add(new String[] {rn, rv});
            values.put(decode(rn), decode(rv));
        }
    }

    String get(String name) {
        return values.get(name);
    }

    /** The raw query without the named parameters, with extra raw pairs appended. */
    String rebuild(List<String> drop, String... extra) {
        StringBuilder sb = new StringBuilder();
        for (String[] p : rawPairs) {
            if (drop.contains(decode(p[0]))) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(p[0]).append('=').append(p[1]);
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(extra[i]).append('=').append(extra[i + 1]);
        }
        return sb.toString();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
