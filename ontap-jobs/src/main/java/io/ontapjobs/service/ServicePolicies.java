package io.ontapjobs.service;

import io.ontapjobs.component.OntapComponent;
import io.ontapjobs.policy.Policies;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's policies: {@code ontap.policies.file} ({@code classpath:} for the jar's copy), else
 * {@code config/policies.yaml} when it exists, else the built-in default; with {@code ontap.poll.*} for the policies
 * that set no {@code poll}. The log says which file is used.
 */
final class ServicePolicies {
    private static final Logger LOG = LoggerFactory.getLogger(ServicePolicies.class);
    static final Path STANDARD = Path.of("config/policies.yaml");

    private ServicePolicies() {
    }

    /** Hands the component the service's policies, unless the application named a file with the component's option. */
    static void apply(CamelContext context, OntapComponent ontap, Settings.Policies settings) throws IOException {
        if (ontap.getPoliciesFile() != null) {
            return; // camel.component.ontap.policies-file: the component reads it (and says so)
        }
        ontap.setPolicies(load(context, settings));
    }

    static Policies load(CamelContext context, Settings.Policies settings) throws IOException {
        String file = settings.file();
        if (file == null && Files.isRegularFile(STANDARD)) {
            file = STANDARD.toString();
        }
        if (file == null) {
            LOG.info("Policies: the built-in default policy (no ontap.policies.file, no {})", STANDARD);
            return Policies.builtIn(settings.poll());
        }
        Policies policies;
        if (file.startsWith("classpath:")) { // the copy inside the jar
            String resource = file.substring("classpath:".length());
            try (var in = context.getClassResolver().loadResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("ontap.policies.file: " + file + " not found");
                }
                policies = Policies.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), file, settings.poll());
            }
        } else {
            policies = Policies.load(Path.of(file), settings.poll()); // a named file must exist
        }
        LOG.info("Policies: {} (ontap.policies.file): {}", file, new java.util.TreeSet<>(policies.names()));
        return policies;
    }
}
