package io.ontapjobs.component.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The starter cannot drift from the component: each option of camel-ontap's catalog (ontap.json) is a
 * {@code camel.component.ontap.*} property in the metadata spring-boot-configuration-processor wrote for this module
 * (with its description and default), Spring can bind it, and an object option can be given as a bean reference.
 */
class StarterMatchesCatalogTest {

    /** The metadata of this module's classes (the jar's is checked by {@code StarterJarIT}). */
    static JsonNode metadata() throws Exception {
        Path classes = Path.of(OntapComponentConfiguration.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes).as("this module's compiled classes").isDirectory();
        try (InputStream in = Files.newInputStream(classes.resolve(StarterMetadata.METADATA))) {
            return StarterMetadata.read(in);
        }
    }

    @Test
    void metadataListsEveryComponentOptionWithItsDescriptionAndDefault() throws Exception {
        StarterMetadata.assertMatchesCatalog(metadata());
    }

    @Test
    void springBindsEveryOption() {
        // a value of the right kind for each option, bound as Spring Boot binds application.properties
        Map<String, JsonNode> options = StarterMetadata.catalogOptions();
        java.util.Map<String, String> values = new java.util.HashMap<>();
        for (var e : options.entrySet()) {
            String key = StarterMetadata.PREFIX + StarterMetadata.kebab(e.getKey());
            switch (e.getValue().get("type").asText()) {
                case "boolean" -> values.put(key, "true");
                case "integer" -> values.put(key, "7");
                case "duration" -> values.put(key, "1h30m");
                case "enum" -> values.put(key, e.getValue().get("enum").get(1).asText());
                case "string" -> values.put(key, "text");
                default -> {
                    // object options: bean references, checked below
                }
            }
        }
        values.put(StarterMetadata.PREFIX + "query.fields", "name");
        OntapComponentConfiguration bound = new Binder(new MapConfigurationPropertySource(values))
                .bind("camel.component.ontap", OntapComponentConfiguration.class).get();
        assertThat(bound.getUrl()).isEqualTo("text");
        assertThat(bound.getMaxConcurrentRequests()).isEqualTo(7);
        assertThat(bound.getRequestTimeout()).as("kept as Camel reads it").isEqualTo("1h30m");
        assertThat(bound.getInsecure()).isTrue();
        assertThat(bound.getQuery()).containsEntry("fields", "name");
        assertThat(bound.getMethod()).isEqualTo("PATCH");
    }

    @Test
    void everyObjectOptionTakesABeanReference() {
        for (var e : StarterMetadata.catalogOptions().entrySet()) {
            String javaType = e.getValue().get("javaType").asText();
            if (e.getValue().get("type").asText().equals("object") && !javaType.startsWith("java.util.Map")) {
                assertThat(OntapComponentConverter.TYPES).extracting(Class::getName)
                        .as("option %s (%s): OntapComponentConverter converts #bean:name to it", e.getKey(), javaType)
                        .contains(javaType);
            }
        }
    }
}
