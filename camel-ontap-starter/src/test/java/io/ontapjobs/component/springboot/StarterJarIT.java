package io.ontapjobs.component.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The built jar, as an application gets it: its spring-configuration-metadata.json lists every component option with
 * its description and default, and Spring Boot finds the auto-configuration in it.
 */
class StarterJarIT {

    static Path jar() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().matches("camel-ontap-starter-.*\\.jar")
                    && !f.getFileName().toString().endsWith("-sources.jar")).findFirst().orElseThrow(
                    () -> new AssertionError("target/camel-ontap-starter-*.jar: not built (mvn verify runs this after package)"));
        }
    }

    @Test
    void theJarsMetadataListsEveryComponentOption() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            var entry = jar.getJarEntry(StarterMetadata.METADATA);
            assertThat(entry).as(StarterMetadata.METADATA + " in " + jar.getName()).isNotNull();
            StarterMetadata.assertMatchesCatalog(StarterMetadata.read(jar.getInputStream(entry)));
        }
    }

    @Test
    void theJarDeclaresTheAutoConfiguration() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            var entry = jar.getJarEntry("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports");
            assertThat(entry).isNotNull();
            String imports = new String(jar.getInputStream(entry).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(imports.lines().map(String::strip)).contains(OntapComponentAutoConfiguration.class.getName(),
                    OntapComponentConverter.class.getName());
        }
    }
}
