package io.ontapjobs.ontap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** A cluster's text is shown as text; a URL with credentials is refused without being repeated. */
class PrintableTest {
    @Test
    void controlCharactersAndBidiOverridesBecomeVisibleEscapes() {
        assertThat(Printable.of("Complete: Successful")).isEqualTo("Complete: Successful");
        assertThat(Printable.of("a\u001b[2Jb\u0007c\u009b1m\u007fd")).isEqualTo("a\\u001B[2Jb\\u0007c\\u009B1m\\u007Fd");
        assertThat(Printable.of("line1\nline2\r\tend")).isEqualTo("line1 line2  end");
        assertThat(Printable.of("vol\u202eexe.txt\u2066")).isEqualTo("vol\\u202Eexe.txt\\u2066");
        assertThat(Printable.of("Volume «vol1» ready – 100 %")).isEqualTo("Volume «vol1» ready – 100 %");
        assertThat(Printable.of(null)).isNull();
    }

    @Test
    void aJobsAndAnErrorsTextIsReadPrintable() throws Exception {
        var json = new ObjectMapper();
        Job job = Job.from(json.readTree("{\"uuid\":\"u\",\"state\":\"failure\",\"message\":\"x\\u001b]0;t\\u0007\","
                + "\"error\":{\"code\":\"1\",\"message\":\"busy\\u001b[31m\"}}"));
        assertThat(job.message()).isEqualTo("x\\u001B]0;t\\u0007");
        assertThat(job.errorMessage()).isEqualTo("busy\\u001B[31m");
        OntapError error = OntapError.from(json.readTree("{\"error\":{\"code\":\"2\",\"message\":\"no\\u001bpe\",\"target\":\"\"}}")).orElseThrow();
        assertThat(error.toString()).isEqualTo("ONTAP error 2: no\\u001Bpe"); // an empty target is not shown as "(target )"
    }

    @Test
    void aUrlWithUserInfoIsRefusedNamingTheKeyNeverTheUrl() {
        for (String url : new String[] {"https://admin:Secret-9@cluster1", "http://admin:Secret-9@", "https://admin@cluster1",
                "http://admin:Sec ret-9@cluster1"}) {
            assertThatThrownBy(() -> Urls.parse(url, "ontap.clusters.lab.url")).as(url)
                    .hasMessageStartingWith("ontap.clusters.lab.url: ").message().doesNotContain("Secret-9").doesNotContain("Sec ret-9")
                    .doesNotContain("cluster1");
        }
        assertThat(Urls.parse("https://cluster1.example.com:8443", "k")).isEqualTo(URI.create("https://cluster1.example.com:8443"));
        assertThatThrownBy(() -> ClusterConfig.of("lab", "https://admin:Secret-9@cluster1", "admin", "x"))
                .message().contains("user name or password").doesNotContain("Secret-9");
    }
}
