package io.ontapjobs.outbox;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * POSTs the outcome to a URL, signed as the Standard Webhooks specification says: {@code webhook-id} (the stable
 * outcome id), {@code webhook-timestamp} (Unix seconds) and {@code webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">}, keyed with the base64 part of a {@code whsec_…} secret. Connection errors, timeouts,
 * 5xx, 408 and 429 are retried (429/503 after their {@code Retry-After}); any other 4xx is refused and recorded.
 */
public class WebhookSink implements Sink {
    private final ProducerTemplate template;
    private final String endpoint;
    private final byte[] key;
    private final Clock clock;
    private final Duration timeout;

    /** @param secret {@code whsec_<base64>}, or null to send unsigned */
    public WebhookSink(ProducerTemplate template, String url, String secret, Duration timeout, Clock clock) {
        URI uri = io.ontapjobs.ontap.Urls.parse(url, "ontap.outcomes.webhook.url");
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
            throw new IllegalArgumentException("ontap.outcomes.webhook.url: must start with https:// or http://");
        }
        this.template = template;
        this.endpoint = url + (url.contains("?") ? "&" : "?") + "throwExceptionOnFailure=false&connectTimeout=" + timeout.toMillis()
                + "&responseTimeout=" + timeout.toMillis() + "&httpClientConfigurer=#ontapHttpClientConfigurer";
        this.key = secret == null ? null : decodeSecret(secret);
        this.clock = clock;
        this.timeout = timeout;
    }

    /** The connect timeout, then the response timeout. */
    @Override
    public Duration longestSend() {
        return timeout.multipliedBy(2);
    }

    /** One POST per outcome, each up to {@link #longestSend()}: a few per batch, so that other replicas share the rest. */
    @Override
    public int batchSize() {
        return 10;
    }

    static byte[] decodeSecret(String secret) {
        if (!secret.startsWith("whsec_")) {
            throw new IllegalArgumentException("ontap.outcomes.webhook.secret must look like whsec_<base64>");
        }
        try {
            return Base64.getDecoder().decode(secret.substring("whsec_".length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ontap.outcomes.webhook.secret: the part after whsec_ is not base64");
        }
    }

    /** {@code v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">}. */
    public static String signature(byte[] key, String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] sig = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Result deliver(String id, String outcome) {
        long timestamp = clock.instant().getEpochSecond();
        Exchange result = template.send(endpoint, e -> {
            var in = e.getIn();
            in.setHeader(Exchange.HTTP_METHOD, "POST");
            in.setHeader(Exchange.CONTENT_TYPE, "application/cloudevents+json");
            in.setHeader("webhook-id", id);
            in.setHeader("webhook-timestamp", String.valueOf(timestamp));
            if (key != null) {
                in.setHeader("webhook-signature", signature(key, id, timestamp, outcome));
            }
            in.setBody(outcome);
        });
        if (result.getException() != null) {
            return Result.retry(null, "no answer: " + result.getException().getMessage());
        }
        int status = result.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status >= 200 && status < 300) {
            return Result.DELIVERED;
        }
        if (status >= 500 || status == 408 || status == 429) {
            return Result.retry(retryAfter(result.getMessage().getHeader("Retry-After", String.class)), "HTTP " + status);
        }
        return Result.refused("HTTP " + status + " (not retried: the receiver refuses this outcome)");
    }

    private static Duration retryAfter(String header) {
        try {
            return header == null ? null : Duration.ofSeconds(Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
