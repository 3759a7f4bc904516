package io.ontapjobs.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** ontap.files.mode: octal, three or four digits, and the service can still read and write its own files. */
class FileModesTest {
    @Test
    void octalModesAreTakenWithFourDigits() {
        assertThat(FileModes.check("0640")).isEqualTo("0640");
        assertThat(FileModes.check(" 600 ")).isEqualTo("0600");
        assertThat(PosixFilePermissions.toString(FileModes.permissions("0640"))).isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(FileModes.permissions("0755"))).isEqualTo("rwxr-xr-x");
        assertThat(FileModes.octal(FileModes.permissions("0604"))).isEqualTo("0604");
    }

    @Test
    void aBadModeNamesTheKey() {
        for (String bad : new String[] {"0999", "rw-r-----", "4640", "", "06400"}) {
            assertThatThrownBy(() -> FileModes.check(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("ontap.files.mode: '" + bad + "' is not a file mode in octal");
        }
        assertThatThrownBy(() -> FileModes.check("0440")).hasMessageContaining("must let the service read and write its own files");
    }
}
