package io.ontapjobs.ontap;

import java.net.URI;

/**
 * Reads a configured URL (a cluster's, a webhook's). A URL is printed in log lines and error messages, so it must
 * carry no credentials: one with user info ({@code https://admin:secret@host}) is refused, and no message here ever
 * repeats the text it was given (it may hold a password).
 */
public final class Urls {
    private Urls() {
    }

    /**
     * @param key the configuration key or flag, named in the error
     * @throws IllegalArgumentException naming {@code key}, never quoting {@code text}
     */
    public static URI parse(String text, String key) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (java.net.URISyntaxException e) {
            // the parser's message quotes the input: not repeated
            throw new IllegalArgumentException(key + ": not a URL (" + (hasAt(text) ? USER_INFO : "e.g. https://cluster1.example.com") + ")");
        }
        check(uri, key);
        return uri;
    }

    /** @throws IllegalArgumentException naming {@code key} when {@code uri} holds user info */
    public static void check(URI uri, String key) {
        // the raw authority: a URL whose user info hides its host (http://admin:secret@) has no parsed user info
        if (uri.getRawUserInfo() != null || hasAt(uri.getRawAuthority())) {
            throw new IllegalArgumentException(key + ": " + USER_INFO);
        }
    }

    private static final String USER_INFO = "holds a user name or password (user info before '@'); credentials never go in a"
            + " URL, which is logged: set them apart (the URL is not shown here)";

    private static boolean hasAt(String s) {
        return s != null && s.indexOf('@') >= 0;
    }
}
