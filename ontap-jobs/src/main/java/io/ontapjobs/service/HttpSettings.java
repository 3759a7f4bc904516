package io.ontapjobs.service;

import io.ontapjobs.policy.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Collections;
import org.apache.camel.spi.PropertiesComponent;

/** The limits, from ontap.api.* (and camel.server.max-body-size), checked before Camel starts. */
public record HttpSettings(int maxConnections, Duration idleTimeout, Duration requestTimeout, Duration headerTimeout,
                           long maxBodyBytes, Path keystore, char[] keystorePassword, String keystoreType) {
    boolean tls() {
        return keystore != null;
    }

    public static HttpSettings from(PropertiesComponent props) {
        int max = (int) number(props, "ontap.api.max-connections", 200, Integer.MAX_VALUE);
        long body = number(props, "camel.server.max-body-size", 1_048_576, Long.MAX_VALUE);
        Duration idle = duration(props, "ontap.api.idle-timeout", "30s");
        Duration request = duration(props, "ontap.api.request-timeout", "30s");
        Duration header = duration(props, "ontap.api.header-timeout", "10s");
        String store = props.resolveProperty("ontap.api.tls.keystore").map(String::strip).orElse("");
        if (store.isEmpty()) {
            return new HttpSettings(max, idle, request, header, body, null, null, null);
        }
        Path file = Path.of(store);
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: cannot read " + store, null);
        }
        char[] password = props.resolveProperty("ontap.api.tls.keystore-password").orElse("").toCharArray();
        String type;
        try {
            KeyStore ks = KeyStore.getInstance(file.toFile(), password); // PKCS12 or JKS, told apart by content
            type = ks.getType();
            boolean hasKey = false;
            for (String alias : Collections.list(ks.aliases())) {
                hasKey |= ks.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: " + store
                        + " holds no private key (the server's certificate and key belong there)", null);
            }
        } catch (OntapJobsConfiguration.ConfigurationError e) {
            throw e;
        } catch (java.io.IOException e) {
            // the JDK reports a wrong password as an IOException caused by UnrecoverableKeyException
            boolean wrongPassword = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password");
            throw new OntapJobsConfiguration.ConfigurationError(wrongPassword
                    ? "ontap.api.tls.keystore-password: wrong password for " + store
                    : "ontap.api.tls.keystore: " + store + " is not a PKCS12 or JKS keystore", e);
        } catch (Exception e) {
            throw new OntapJobsConfiguration.ConfigurationError("ontap.api.tls.keystore: cannot load " + store + ": " + e.getMessage(), e);
        }
        return new HttpSettings(max, idle, request, header, body, file, password, type);
    }

    private static long number(PropertiesComponent props, String key, long otherwise, long top) {
        String text = props.resolveProperty(key).map(String::strip).orElse("");
        if (text.isEmpty()) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(text);
            if (n < 1 || n > top) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new OntapJobsConfiguration.ConfigurationError(key + ": '" + text + "' is not a positive whole number", e);
        }
    }

    private static Duration duration(PropertiesComponent props, String key, String otherwise) {
        String text = props.resolveProperty(key).map(String::strip).filter(t -> !t.isEmpty()).orElse(otherwise);
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new OntapJobsConfiguration.ConfigurationError(key + ": " + e.getMessage(), e);
        }
        if (d.isZero()) {
            throw new OntapJobsConfiguration.ConfigurationError(key + ": must be longer than 0", null);
        }
        return d;
    }
}
