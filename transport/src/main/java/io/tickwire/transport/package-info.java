/**
 * The Netty server of Tickwire: REST control of simulations, the binary WebSocket feed and the static dashboard.
 * <p>
 * {@link io.tickwire.transport.FeedServer} binds and wires it ({@code *Server}), the per-connection pipeline is built
 * by {@code FeedServerInitializer}, every HTTP request (upgrades included) first passes the {@code RequestGuard}'s
 * checks, REST routes are registered per concern in {@code HttpRoutes} ({@code SimulationsApi}, {@code ServerApi}: add
 * an API by writing its class and registering it in {@code HttpApiHandler.routes}) and dispatched, with the static
 * dashboard, by {@code HttpApiHandler}; feed connections are
 * driven by {@code FeedFrameHandler} (control messages, heartbeats, counters) and its {@code FeedSubscription}s (one
 * per simulation: sequence, resume, conflation), and each simulation's ticks are framed once into its
 * {@code TickTail} and fanned out by its {@link io.tickwire.transport.Broadcaster}; older ticks are replayed from the
 * run's journal by {@code JournalReplay} on the {@code ReplayThreads}. Every run (of the CLI, REST or bench) is built
 * with its listeners (journal, feed, the launcher context's factories) by the
 * {@link io.tickwire.transport.RunLauncher}; a server's runs are tracked by the
 * {@link io.tickwire.transport.SimulationRegistry}.
 * <p>
 * To try it: {@code FeedServer.start(new FeedServer.Context().port(8080))}, then
 * {@code curl --data-binary @examples/mm1.yaml 'http://127.0.0.1:8080/simulations?speed=1'} and open
 * {@code http://127.0.0.1:8080/} (the dashboard is on the classpath when run from the {@code clients} module).
 */
package io.tickwire.transport;
