package io.ontapjobs.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The bookmarks' contract on the embedded default, H2 in file mode. */
class H2EventBookmarksTest extends EventBookmarksContract {
    @TempDir
    Path dir;

    @Override
    OperationStore openNew() {
        return OperationStore.embedded(dir);
    }

    @Override
    OperationStore reopen() {
        return OperationStore.embedded(dir);
    }
}
