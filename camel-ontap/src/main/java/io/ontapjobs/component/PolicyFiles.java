package io.ontapjobs.component;

import io.ontapjobs.policy.Policies;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the component's policies come from: the file its option {@code policiesFile} names, and no other. A library
 * reads no file its application did not name (no {@code config/policies.yaml} from the working directory).
 */
final class PolicyFiles {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyFiles.class);

    private PolicyFiles() {
    }

    /** The policies of {@code policiesFile} ({@code classpath:} for a resource), else the built-in default policy. */
    static Policies load(CamelContext context, String policiesFile) throws IOException {
        if (policiesFile == null || policiesFile.isBlank()) {
            LOG.info("Policies: the built-in default policy (no option policiesFile)");
            return Policies.builtIn();
        }
        String file = policiesFile.strip();
        Policies policies;
        if (file.startsWith("classpath:")) {
            String resource = file.substring("classpath:".length());
            try (var in = context.getClassResolver().loadResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("option policiesFile: " + file + " not found");
                }
                policies = Policies.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), file);
            }
        } else {
            policies = Policies.load(Path.of(file)); // a named file must exist: its absence is a mistake worth stopping for
        }
        LOG.info("Policies: {} (option policiesFile): {}", file, new java.util.TreeSet<>(policies.names()));
        return policies;
    }
}
