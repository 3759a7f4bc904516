package io.ontapjobs.component.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;

/**
 * The checks that the starter says what the component has: the component's catalog (ontap.json, made from the
 * component's annotations) against the starter's {@code spring-configuration-metadata.json} (made from
 * {@link OntapComponentConfiguration}). Used on the compiled classes and on the built jar.
 */
final class StarterMetadata {
    static final String PREFIX = "camel.component.ontap.";
    static final String CATALOG = "META-INF/io/ontapjobs/component/ontap.json";
    static final String METADATA = "META-INF/spring-configuration-metadata.json";

    private StarterMetadata() {
    }

    /** The component's options by name, from camel-ontap's catalog. */
    static Map<String, JsonNode> catalogOptions() {
        try (InputStream in = StarterMetadata.class.getClassLoader().getResourceAsStream(CATALOG)) {
            assertThat(in).as(CATALOG + " on the class path").isNotNull();
            Map<String, JsonNode> options = new LinkedHashMap<>();
            new ObjectMapper().readTree(in).get("componentProperties").properties()
                    .forEach(e -> options.put(e.getKey(), e.getValue()));
            assertThat(options).as("the catalog's component options").isNotEmpty();
            return options;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code maxConcurrentRequests} as Spring Boot names it: {@code max-concurrent-requests}. */
    static String kebab(String option) {
        return option.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** The type the starter gives an option of the catalog. */
    static String expectedType(JsonNode option) {
        String javaType = option.get("javaType").asText();
        return switch (option.get("type").asText()) {
            case "boolean" -> "java.lang.Boolean";
            case "integer" -> javaType.equals("long") || javaType.equals("java.lang.Long") ? "java.lang.Long" : "java.lang.Integer";
            case "string", "duration" -> "java.lang.String";
            case "enum" -> javaType;
            default -> javaType.startsWith("java.util.Map") ? "java.util.Map<java.lang.String,java.lang.Object>" : javaType;
        };
    }

    static String words(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    /**
     * Every component option is a property {@code camel.component.ontap.<option>} of the starter, with the
     * catalog's type, description and default, and nothing else is (but {@code enabled} and {@code customizer.enabled}, which turn it off).
     */
    static void assertMatchesCatalog(JsonNode metadata) {
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        for (JsonNode p : metadata.get("properties")) {
            if (p.get("name").asText().startsWith(PREFIX)) {
                properties.put(p.get("name").asText().substring(PREFIX.length()), p);
            }
        }
        SoftAssertions softly = new SoftAssertions();
        Map<String, JsonNode> options = catalogOptions();
        for (var e : options.entrySet()) {
            String key = kebab(e.getKey());
            JsonNode option = e.getValue();
            JsonNode property = properties.get(key);
            softly.assertThat(property).as("component option %s: property %s%s in %s", e.getKey(), PREFIX, key, METADATA)
                    .isNotNull();
            if (property == null) {
                continue;
            }
            softly.assertThat(property.path("type").asText()).as("type of " + key).isEqualTo(expectedType(option));
            softly.assertThat(words(property.path("description").asText())).as("description of " + key)
                    .isEqualTo(words(option.get("description").asText()));
            softly.assertThat(property.path("sourceType").asText()).as("source of " + key)
                    .isEqualTo(OntapComponentConfiguration.class.getName());
            JsonNode dflt = option.get("defaultValue");
            if (dflt == null) {
                softly.assertThat(property.has("defaultValue")).as("no default for " + key).isFalse();
            } else {
                softly.assertThat(property.path("defaultValue").asText()).as("default of " + key).isEqualTo(dflt.asText());
            }
        }
        JsonNode enabled = properties.get("enabled");
        softly.assertThat(enabled).as(PREFIX + "enabled").isNotNull();
        if (enabled != null) {
            softly.assertThat(enabled.path("type").asText()).isEqualTo("java.lang.Boolean");
            softly.assertThat(enabled.path("defaultValue").asBoolean(false)).as("enabled by default").isTrue();
            softly.assertThat(enabled.path("description").asText()).contains("auto configuration of the ontap component");
        }
        JsonNode customizer = properties.get("customizer.enabled");
        softly.assertThat(customizer).as(PREFIX + "customizer.enabled").isNotNull();
        if (customizer != null) {
            softly.assertThat(customizer.path("description").asText()).as("customizer.enabled described").isNotBlank();
        }
        TreeSet<String> extra = new TreeSet<>(properties.keySet());
        options.keySet().forEach(o -> extra.remove(kebab(o)));
        extra.remove("enabled");
        extra.remove("customizer.enabled");
        softly.assertThat(extra).as("properties that are no option of the component").isEmpty();
        softly.assertAll();
    }

    static JsonNode read(InputStream in) throws IOException {
        assertThat(in).as(METADATA).isNotNull();
        return new ObjectMapper().readTree(in);
    }
}
