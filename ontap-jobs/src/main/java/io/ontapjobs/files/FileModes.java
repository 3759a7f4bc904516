package io.ontapjobs.files;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The modes of the files the service creates, set by the service rather than left to the umask: its state (the
 * database holds request bodies in plain text, the broker journal messages) is private to its user, 0700/0600; the
 * files it hands to others (outcomes, reasons, moved request files, dead letters) get {@value #KEY}, default
 * {@value #DEFAULT}, in folders it creates 0750. On a file system without POSIX permissions nothing is changed.
 */
public final class FileModes {
    private static final Logger LOG = LoggerFactory.getLogger(FileModes.class);
    public static final String KEY = "ontap.files.mode";
    public static final String DEFAULT = "0640";
    /** Folders the service creates for the files it hands out: others have no way in. */
    public static final String DIRECTORY = "0750";
    static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private FileModes() {
    }

    /**
     * Checks a mode given as octal ({@code 0640}, {@code 640}) and returns it with four digits, as Camel's
     * {@code chmod} takes it.
     *
     * @throws IllegalArgumentException naming {@value #KEY}: not octal, special bits, or no read and write for the
     *                                  service itself (it appends to the JSON-lines file)
     */
    public static String check(String value) {
        String v = value == null ? "" : value.strip();
        if (!v.matches("0?[0-7]{3}")) {
            throw new IllegalArgumentException(KEY + ": '" + value + "' is not a file mode in octal, such as 0640");
        }
        String mode = v.length() == 3 ? "0" + v : v;
        if ((mode.charAt(1) - '0' & 6) != 6) {
            throw new IllegalArgumentException(KEY + ": '" + value + "' must let the service read and write its own files (6 or 7 first, such as 0640)");
        }
        return mode;
    }

    /** The permissions of a checked mode. */
    public static Set<PosixFilePermission> permissions(String mode) {
        int bits = Integer.parseInt(check(mode), 8);
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) { // declared from OWNER_READ (0400) to OTHERS_EXECUTE (0001)
            if ((bits & 1 << (8 - p.ordinal())) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    public static boolean posix() {
        return POSIX;
    }

    /**
     * Creates {@code dir} (and missing parents) 0700, or tightens it to 0700 when it exists with more, saying so
     * once at INFO: it holds request bodies and messages.
     */
    public static void privateDirectory(Path dir, String what) {
        try {
            if (!POSIX) {
                Files.createDirectories(dir);
                return;
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR)); // never looser, even for a moment
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // created meanwhile (the store and the broker both make it): tightened below
                }
            }
            Set<PosixFilePermission> was = Files.getPosixFilePermissions(dir);
            if (!was.equals(PRIVATE_DIR)) {
                Files.setPosixFilePermissions(dir, PRIVATE_DIR);
                if (!PRIVATE_DIR.containsAll(was)) { // it was open to others: worth a line
                    LOG.info("{} {} was {}: tightened to 0700 (private to the service's user)", what, dir, octal(was));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the " + what.toLowerCase() + " " + dir + " private: " + e.getMessage(), e);
        }
    }

    /**
     * Tightens a tree (not following links): folders 0700, files 0600. For what exists now; what is created later is
     * protected by its 0700 folder.
     */
    public static void tightenTree(Path root) {
        tighten(root, true, "*");
    }

    /** Tightens the files directly in {@code dir} whose names match {@code glob} to 0600 (not following links). */
    public static void tightenFiles(Path dir, String glob) {
        tighten(dir, false, glob);
    }

    private static void tighten(Path root, boolean recursive, String glob) {
        if (!POSIX || !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        try (Stream<Path> paths = recursive ? Files.walk(root) : Files.list(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory() && recursive) {
                    set(p, a, PRIVATE_DIR);
                } else if (a.isRegularFile() && matcher.matches(p.getFileName())) {
                    set(p, a, PRIVATE_FILE);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("Cannot make the files in {} private: {}", root, e.getMessage());
        }
    }

    /** Sets the mode of a regular file without following a link (a link swapped in is refused, not followed). */
    public static void setFileMode(Path file, Set<PosixFilePermission> permissions) throws IOException {
        if (POSIX) {
            Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(permissions);
        }
    }

    /** Creates a folder (and missing parents) with {@value #DIRECTORY}; one that exists is left as it is. */
    public static void createDirectories(Path dir) throws IOException {
        if (!POSIX || Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            return;
        }
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, permissions(DIRECTORY));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // made meanwhile by another thread: theirs
        }
    }

    private static void set(Path p, PosixFileAttributes a, Set<PosixFilePermission> permissions) throws IOException {
        if (!a.permissions().equals(permissions)) {
            Files.setPosixFilePermissions(p, permissions);
        }
    }

    static String octal(Set<PosixFilePermission> permissions) {
        int bits = 0;
        for (PosixFilePermission p : permissions) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", bits);
    }
}
