// netns-gateway joins the local cluster's host-side control plane to its nodes, each of which is
// a network namespace of its own, without any server on the host listening beyond loopback and a
// unix socket:
//
//   - node -> API server: inside every node's namespace it listens on the addresses the config
//     names (the `kubernetes` Service's ClusterIP on the node's loopback, as kube-proxy would
//     answer it) and forwards to the API server on the host's loopback;
//   - API server -> node: it serves the API server's egress selector ("cluster" network context,
//     HTTP CONNECT over a unix socket) and dials the target inside the namespace of the node
//     that owns the target address (kubelet logs/exec, webhooks behind Services).
//
// Go, not the project's TypeScript, because a socket is created in the network namespace of the
// thread that creates it, and only a runtime that can pin a goroutine to a thread can setns(2).
//
// Usage: netns-gateway --config <file.json>; SIGHUP re-reads the file, SIGTERM stops.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type nodeConfig struct {
	Name string `json:"name"`
	// Path of the node's network namespace, e.g. /run/netns/<name>.
	Netns string `json:"netns"`
	// Addresses that belong to the node (its InternalIP); CONNECTs to them are dialled inside Netns.
	Addresses []string `json:"addresses"`
	// host:port pairs to listen on inside Netns, forwarded to the API server.
	APIServerListen []string `json:"apiserverListen"`
}

type config struct {
	// host:port of the API server, dialled from the host's namespace.
	APIServer string `json:"apiserver"`
	// Unix socket for the API server's egress selector.
	EgressSocket string       `json:"egressSocket"`
	Nodes        []nodeConfig `json:"nodes"`
}

func readConfig(path string) (*config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.APIServer == "" || c.EgressSocket == "" {
		return nil, fmt.Errorf("%s: apiserver and egressSocket are required", path)
	}
	return &c, nil
}

// inNetns runs fn on a thread switched into the namespace at path, then switches back. A thread
// that cannot be switched back stays locked, so Go discards it instead of reusing it.
func inNetns(path string, fn func() error) error {
	target, err := os.Open(path)
	if err != nil {
		return err
	}
	defer target.Close()
	runtime.LockOSThread()
	home, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer home.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", path, err)
	}
	fnErr := fn()
	if err := unix.Setns(int(home.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns back from %s: %w (thread retired)", path, err)
	}
	runtime.UnlockOSThread()
	return fnErr
}

func pipe(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	copyHalf := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		// Half-close so the other side sees EOF while the reverse stream drains.
		if tcp, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = tcp.CloseWrite()
		} else {
			_ = dst.Close()
		}
	}
	go copyHalf(a, b)
	go copyHalf(b, a)
	wg.Wait()
	_ = a.Close()
	_ = b.Close()
}

type gateway struct {
	mu        sync.Mutex
	cfg       *config
	listeners []net.Listener
}

// serveAPIServerListeners replaces the previous set of listeners with every node's listeners
// of cfg (the old ones close first: a reload keeps the same addresses).
func (g *gateway) serveAPIServerListeners(cfg *config) error {
	g.mu.Lock()
	old := g.listeners
	g.listeners = nil
	g.mu.Unlock()
	for _, l := range old {
		_ = l.Close()
	}
	var opened []net.Listener
	for _, node := range cfg.Nodes {
		for _, addr := range node.APIServerListen {
			var l net.Listener
			err := inNetns(node.Netns, func() (err error) {
				lc := net.ListenConfig{}
				l, err = lc.Listen(context.Background(), "tcp", addr)
				return err
			})
			if err != nil {
				for _, o := range opened {
					_ = o.Close()
				}
				return fmt.Errorf("node %s: listen %s: %w", node.Name, addr, err)
			}
			opened = append(opened, l)
			go g.forwardToAPIServer(node.Name, l)
		}
	}
	g.mu.Lock()
	g.listeners, g.cfg = opened, cfg
	g.mu.Unlock()
	return nil
}

func (g *gateway) forwardToAPIServer(node string, l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Printf("node %s: accept: %v", node, err)
			}
			return
		}
		go func() {
			g.mu.Lock()
			target := g.cfg.APIServer
			g.mu.Unlock()
			up, err := net.DialTimeout("tcp", target, 5*time.Second)
			if err != nil {
				log.Printf("node %s: dial API server %s: %v", node, target, err)
				_ = c.Close()
				return
			}
			pipe(c, up)
		}()
	}
}

// nodeFor finds the node that owns host (an address or a node name).
func (g *gateway) nodeFor(host string) (nodeConfig, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range g.cfg.Nodes {
		if n.Name == host {
			return n, true
		}
		for _, a := range n.Addresses {
			if a == host {
				return n, true
			}
		}
	}
	return nodeConfig{}, false
}

func (g *gateway) serveEgress(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				log.Printf("egress: accept: %v", err)
			}
			return
		}
		go g.connect(c)
	}
}

// connect answers one HTTP CONNECT from the API server's egress dialer.
func (g *gateway) connect(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		_ = c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	refuse := func(status int, msg string) {
		log.Printf("egress: CONNECT %s: %s", req.Host, msg)
		fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", status, http.StatusText(status), len(msg), msg)
		_ = c.Close()
	}
	if req.Method != http.MethodConnect {
		refuse(http.StatusMethodNotAllowed, "only CONNECT is served")
		return
	}
	host, _, err := net.SplitHostPort(req.Host)
	if err != nil {
		refuse(http.StatusBadRequest, err.Error())
		return
	}
	node, ok := g.nodeFor(host)
	if !ok {
		refuse(http.StatusBadGateway, fmt.Sprintf("no node of the local cluster owns %s", host))
		return
	}
	target := req.Host
	if host == node.Name && len(node.Addresses) > 0 {
		_, port, _ := net.SplitHostPort(req.Host)
		target = net.JoinHostPort(node.Addresses[0], port)
	}
	var up net.Conn
	err = inNetns(node.Netns, func() (err error) {
		up, err = net.DialTimeout("tcp", target, 5*time.Second)
		return err
	})
	if err != nil {
		refuse(http.StatusBadGateway, fmt.Sprintf("node %s: dial %s: %v", node.Name, target, err))
		return
	}
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		_ = c.Close()
		_ = up.Close()
		return
	}
	// Bytes the client sent right after its CONNECT header are already in br.
	if n := br.Buffered(); n > 0 {
		head, _ := br.Peek(n)
		if _, err := up.Write(head); err != nil {
			_ = c.Close()
			_ = up.Close()
			return
		}
	}
	pipe(c, up)
}

func main() {
	configPath := flag.String("config", "", "JSON config file")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	cfg, err := readConfig(*configPath)
	if err != nil {
		log.Fatal(err)
	}
	g := &gateway{}
	if err := g.serveAPIServerListeners(cfg); err != nil {
		log.Fatal(err)
	}
	_ = os.Remove(cfg.EgressSocket)
	egress, err := net.Listen("unix", cfg.EgressSocket)
	if err != nil {
		log.Fatal(err)
	}
	// Only root (the API server runs as root here) may ask for a tunnel into the nodes.
	if err := os.Chmod(cfg.EgressSocket, 0o600); err != nil {
		log.Fatal(err)
	}
	go g.serveEgress(egress)
	log.Printf("serving %d node(s); egress socket %s", len(cfg.Nodes), cfg.EgressSocket)
	// cfg stays the last config that served, to fall back to when a reload fails.

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	for s := range signals {
		if s != syscall.SIGHUP {
			_ = egress.Close()
			_ = os.Remove(cfg.EgressSocket)
			return
		}
		next, err := readConfig(*configPath)
		if err == nil {
			err = g.serveAPIServerListeners(next)
		}
		if err == nil {
			log.Printf("reloaded: %d node(s)", len(next.Nodes))
			cfg = next
			continue
		}
		log.Printf("reload: %v; back to the previous config", err)
		if err := g.serveAPIServerListeners(cfg); err != nil {
			log.Fatalf("previous config: %v", err)
		}
	}
}
