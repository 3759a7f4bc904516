package io.ontapjobs.ha;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests of replicas running in this JVM ({@link HaFixture}): its folders in a temporary one, all of it closed after each test. */
abstract class InProcessReplicasTest {
    @TempDir
    Path tmp;
    HaFixture ha;

    @AfterEach
    void closeReplicas() {
        if (ha != null) {
            ha.close();
        }
    }
}
