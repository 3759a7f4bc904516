package io.ontapjobs.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Camel Spring Boot application whose only ONTAP dependency is camel-ontap: the routes are YAML
 * ({@code src/main/resources/camel/}), the cluster is configured in {@code application.properties}.
 */
@SpringBootApplication
public class ExampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(ExampleApplication.class, args);
    }
}
