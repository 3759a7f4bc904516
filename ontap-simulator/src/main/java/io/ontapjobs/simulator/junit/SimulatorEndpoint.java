package io.ontapjobs.simulator.junit;

/** Where the test's simulator listens and the credentials it accepts. */
public record SimulatorEndpoint(String url, String username, String password) {
    @Override
    public String toString() {
        // keeps the password out of assertion messages and logs, as the service does
        return "SimulatorEndpoint[url=" + url + ", username=" + username + ", password=***]";
    }
}
