package io.ontapjobs.intake;

import io.ontapjobs.files.FileModes;
import io.ontapjobs.operation.InvalidRequestException;
import io.ontapjobs.operation.OperationRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.file.FileComponent;
import org.apache.camel.component.file.GenericFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of the inbox route: only a regular file of at most 1 MiB is read. Anything else (a symbolic link,
 * a device, a FIFO, a directory, a larger file) is refused unread with an {@link InvalidRequestException} whose
 * message names what it is, never what it holds; the route's error handler moves it to {@code .rejected} with that
 * reason. Camel's file consumer hands the route a {@code java.io.File} and reads nothing itself, so this check comes
 * before any read; the body is then read here, through a channel that refuses a link swapped in meanwhile, and
 * the file is given {@code ontap.files.mode} before it is moved to {@code .done} or {@code .rejected}. A refused
 * file is not given a mode: that would open it (or, for a link, change its target); its 0750 folder keeps others out.
 */
public class RequestFileCheck implements Processor {
    private static final Logger LOG = LoggerFactory.getLogger(RequestFileCheck.class);
    private static final java.util.List<String> MOVED_TO = java.util.List.of(".done", ".rejected", ".failed");
    private volatile Set<PosixFilePermission> mode;

    @Override
    public void process(Exchange exchange) throws Exception {
        GenericFile<?> file = exchange.getProperty(FileComponent.FILE_EXCHANGE_FILE, GenericFile.class);
        if (file == null) {
            return; // not from a file consumer: nothing to check
        }
        Path path = Path.of(file.getAbsoluteFilePath());
        folders(path.getParent());
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new InvalidRequestException(null, "cannot be examined (" + e.getClass().getSimpleName() + "): refused unread");
        }
        if (!a.isRegularFile()) {
            throw new InvalidRequestException(null, "not a regular file (" + kind(a) + "): refused unread");
        }
        if (a.size() > OperationRequest.MAX_BODY_BYTES) {
            throw new InvalidRequestException(null, "larger than 1 MiB (" + a.size() + " bytes): refused unread");
        }
        exchange.getIn().setBody(read(path));
        try {
            FileModes.setFileMode(path, mode(exchange)); // kept by the move to .done or .rejected
        } catch (IOException e) {
            LOG.debug("Cannot set the mode of {}: {}", path, e.getMessage()); // someone else's file: it keeps its own
        }
    }

    /** At most 1 MiB, without following a link: a link put in its place after the check is refused, not read. */
    private static String read(Path path) throws IOException {
        try (SeekableByteChannel in = Files.newByteChannel(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.allocate(OperationRequest.MAX_BODY_BYTES + 1);
            while (buffer.hasRemaining() && in.read(buffer) >= 0) {
                // fill
            }
            if (!buffer.hasRemaining()) {
                throw new InvalidRequestException(null, "larger than 1 MiB (grew while read): refused");
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        } catch (java.nio.file.FileSystemException e) {
            throw new InvalidRequestException(null, "not a regular file (replaced while read): refused unread");
        }
    }

    /**
     * The folders request files are moved to, made 0750 before the first move. Not Camel's chmodDirectory on the
     * consumer: with an absolute inbox path it builds a relative move's folder under the working directory.
     */
    private static void folders(Path inbox) throws IOException {
        for (String name : MOVED_TO) {
            Path dir = inbox.resolve(name);
            if (!Files.isDirectory(dir)) {
                FileModes.createDirectories(dir);
            }
        }
    }

    private Set<PosixFilePermission> mode(Exchange exchange) {
        if (mode == null) {
            mode = FileModes.permissions(exchange.getContext().getPropertiesComponent().resolveProperty(FileModes.KEY).orElse(FileModes.DEFAULT));
        }
        return mode;
    }

    private static String kind(BasicFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        return "a device, FIFO or socket";
    }
}
