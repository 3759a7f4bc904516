package io.ontapjobs.intake;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileOperations;
import org.apache.camel.component.file.strategy.FileChangedExclusiveReadLockStrategy;

/**
 * The inbox's read lock: Camel's {@code changed} lock (a file is taken once it has not changed for 200 ms, checked
 * every 100 ms, given up after 10 s), except that anything but a regular file is taken at once, without a marker
 * file, for {@link RequestFileCheck} to refuse: the {@code changed} lock would wait its whole timeout on every poll
 * for a FIFO or device (length 0). A dangling link is skipped, as Camel skips a file that went away: there is
 * nothing to read and Camel cannot move it.
 */
public class RegularFileReadLock extends FileChangedExclusiveReadLockStrategy {

    public RegularFileReadLock() {
        setMinAge(200);
        setCheckInterval(100);
        setTimeout(10_000);
    }

    @Override
    public boolean acquireExclusiveReadLock(GenericFileOperations<File> operations, GenericFile<File> file, Exchange exchange)
            throws Exception {
        Path path = Path.of(file.getAbsoluteFilePath());
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            return Files.exists(path); // false for a dangling link only
        }
        return super.acquireExclusiveReadLock(operations, file, exchange);
    }
}
