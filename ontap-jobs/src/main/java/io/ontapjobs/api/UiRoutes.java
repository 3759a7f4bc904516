package io.ontapjobs.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;

/**
 * The operator's page: {@code GET /} and {@code GET /ui} on the service's HTTP port answer {@code ui/index.html}
 * from the jar, one static file whose script polls {@code GET /api/v1/operations} every 2 s. No build step, no
 * other files, nothing of the page is templated on the server.
 */
public class UiRoutes extends RouteBuilder {
    static final String PAGE = "ui/index.html";
    /** The page loads nothing from elsewhere and can only call its own service. */
    static final String CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self';"
            + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    @Override
    public void configure() {
        String html = load();
        from("platform-http:/?httpMethodRestrict=GET,HEAD").routeId("ui-root").process(e -> page(e.getMessage(), html));
        from("platform-http:/ui?httpMethodRestrict=GET,HEAD").routeId("ui-page").process(e -> page(e.getMessage(), html));
    }

    private static void page(Message m, String html) {
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, "text/html; charset=utf-8");
        m.setHeader("Cache-Control", "no-cache");
        m.setHeader("Content-Security-Policy", CSP);
        m.setHeader("X-Content-Type-Options", "nosniff");
        m.setHeader("Referrer-Policy", "no-referrer");
        m.setBody(html);
    }

    static String load() {
        try (InputStream in = UiRoutes.class.getClassLoader().getResourceAsStream(PAGE)) {
            if (in == null) {
                throw new IllegalStateException(PAGE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PAGE, e);
        }
    }
}
