package io.ontapjobs.ontap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one loop over {@code _links.next}: every page in order, a stop on request, and a bound. */
class PagesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static OntapResponse page(int n, String next) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("records").addObject().put("n", n);
        if (next != null) {
            body.putObject("_links").putObject("next").put("href", next);
        }
        return new OntapResponse(200, body, null);
    }

    @Test
    void everyPageIsHandedOverInOrderAndTheLastIsReturned() throws Exception {
        List<String> asked = new ArrayList<>();
        List<Integer> seen = new ArrayList<>();

        OntapResponse last = Pages.forEach(page(1, "/api/x?start=2"), href -> {
            asked.add(href);
            int n = Integer.parseInt(href.substring(href.indexOf('=') + 1));
            return page(n, n < 3 ? "/api/x?start=" + (n + 1) : null);
        }, p -> seen.add(p.body().path("records").get(0).path("n").asInt()));

        assertThat(seen).containsExactly(1, 2, 3);
        assertThat(asked).containsExactly("/api/x?start=2", "/api/x?start=3");
        assertThat(last.body().path("records").get(0).path("n").asInt()).isEqualTo(3);
    }

    @Test
    void aPageRefusedStopsThereAndIsReturned() throws Exception {
        OntapResponse refused = new OntapResponse(503, null, null);
        List<String> asked = new ArrayList<>();

        OntapResponse last = Pages.forEach(page(1, "/api/x?start=2"), href -> {
            asked.add(href);
            return refused;
        }, OntapResponse::isSuccess);

        assertThat(last).isSameAs(refused);
        assertThat(asked).hasSize(1);
    }

    @Test
    void nextLinksThatNeverEndStopAtTheBound() {
        int[] read = {1};
        assertThatThrownBy(() -> Pages.forEach(page(1, "/api/x?again"), href -> {
            read[0]++;
            return page(read[0], "/api/x?again");
        }, p -> true)).isInstanceOf(ClusterCallException.class).hasMessageContaining("more than " + Pages.MAX_PAGES + " pages");
        assertThat(read[0]).isEqualTo(Pages.MAX_PAGES);
    }
}
