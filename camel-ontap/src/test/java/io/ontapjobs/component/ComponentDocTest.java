package io.ontapjobs.component;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The component's page holds its option and header tables, rendered from the catalog ({@code ontap.json}, which the
 * build generates from the code), so the page never drifts from the component. Camel's site fills such sections from
 * its own partials; outside it they would stay empty. After changing an option or a header, rewrite the page with
 * {@code mvn test -pl camel-ontap -am -Dtest=ComponentDocTest -Dsurefire.failIfNoSpecifiedTests=false -Dontap.docs.update=true}.
 */
class ComponentDocTest {
    static final Path PAGE = Path.of("src/main/docs/ontap-component.adoc");
    static final Path CATALOG = Path.of("src/generated/resources/META-INF/io/ontapjobs/component/ontap.json");

    @Test
    void thePageHoldsEveryOptionAndHeaderOfTheCatalog() throws Exception {
        JsonNode catalog = new ObjectMapper().readTree(Files.readString(CATALOG));
        String expected = render(Files.readString(PAGE), catalog);
        if (Boolean.getBoolean("ontap.docs.update")) {
            Files.writeString(PAGE, expected);
        }
        String page = Files.readString(PAGE);
        assertThat(page).as("the page's tables differ from ontap.json: rerun with -Dontap.docs.update=true (see this test's javadoc)")
                .isEqualTo(expected);
        for (String section : List.of("componentProperties", "properties", "headers")) {
            catalog.get(section).fieldNames().forEachRemaining(name -> assertThat(page).contains("| *" + name + "*"));
        }
    }

    static String render(String page, JsonNode catalog) {
        page = replace(page, "component options", "=== Component options\n\nThe component's options, set on the component"
                + " (`camel.component.ontap.<option>`, or the component bean); each is also the default of the endpoint option"
                + " of the same name.\n\n" + options(catalog.get("componentProperties")));
        page = replace(page, "endpoint options", "=== Endpoint options\n\n----\nontap:cluster[?options]\n----\n\n"
                + options(catalog.get("properties")));
        return replace(page, "component headers", "=== Message headers\n\n" + headers(catalog.get("headers")));
    }

    private static String replace(String page, String marker, String content) {
        String start = "// " + marker + ": START\n";
        String end = "// " + marker + ": END\n";
        int from = page.indexOf(start);
        int to = page.indexOf(end);
        assertThat(from).as("marker " + start.strip()).isNotNegative();
        assertThat(to).as("marker " + end.strip()).isGreaterThan(from);
        return page.substring(0, from + start.length()) + content + "\n" + page.substring(to);
    }

    private static String options(JsonNode options) {
        List<String> rows = new ArrayList<>();
        options.properties().forEach(e -> {
            JsonNode o = e.getValue();
            String def = o.has("defaultValue") ? "`" + o.get("defaultValue").asText() + "`" : "";
            rows.add("| *" + e.getKey() + "* (" + o.path("group").asText() + ") | " + cell(o.path("description").asText())
                    + " | " + cell(def) + " | " + simpleType(o.path("javaType").asText()));
        });
        return "[width=\"100%\",cols=\"2,5,^1,2\",options=\"header\"]\n|===\n| Name | Description | Default | Type\n"
                + String.join("\n", rows) + "\n|===\n";
    }

    private static String headers(JsonNode headers) {
        List<String> rows = new ArrayList<>();
        headers.properties().forEach(e -> rows.add("| *" + e.getKey() + "* (" + e.getValue().path("group").asText() + ") | "
                + cell(e.getValue().path("description").asText()) + " | " + simpleType(e.getValue().path("javaType").asText())));
        return "[width=\"100%\",cols=\"2,5,2\",options=\"header\"]\n|===\n| Name | Description | Type\n"
                + String.join("\n", rows) + "\n|===\n";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    private static String simpleType(String javaType) {
        String t = javaType.replaceAll("<.*>", "");
        return "`" + t.substring(t.lastIndexOf('.') + 1) + (javaType.contains("<") ? javaType.substring(javaType.indexOf('<'))
                .replaceAll("[a-z]+\\.", "") : "") + "`";
    }
}
