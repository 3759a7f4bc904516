package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code ontap.ha.spread}: on by default, off when false; the file cluster service never spreads; a typo names the key. */
class HaSettingsTest {
    static HaSettings read(String... keyValues) {
        Map<String, String> props = new HashMap<>(Map.of("ontap.ha.cluster-service", "zookeeper",
                "ontap.ha.zookeeper.nodes", "zk1:2181", "ontap.ha.replica-id", "r1"));
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put(keyValues[i], keyValues[i + 1]);
        }
        return HaSettings.read(k -> Optional.ofNullable(props.get(k))).orElseThrow();
    }

    @Test
    void spreadingIsOnUnlessSwitchedOffAndNeverWithFileLocks() {
        assertThat(read().spreads()).isTrue();
        assertThat(read("ontap.ha.spread", " FALSE ").spreads()).isFalse();
        assertThat(read("ontap.ha.spread", "true").spreads()).isTrue();
        HaSettings file = read("ontap.ha.cluster-service", "file", "ontap.ha.file.root", "/tmp/locks");
        assertThat(file.spread()).isTrue();
        assertThat(file.spreads()).as("file views list no members").isFalse();
    }

    @Test
    void aBadSpreadValueNamesTheKey() {
        assertThatThrownBy(() -> read("ontap.ha.spread", "yes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ontap.ha.spread: 'yes' is not true or false");
    }
}
