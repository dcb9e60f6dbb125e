package sim

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// watcher is a watch.Interface with an unbounded queue: the tracker
// never blocks on (or panics because of) a reader that is behind.
type watcher struct {
	ns     string
	sel    selectors
	onStop func(*watcher)

	result chan watch.Event
	wake   chan struct{}
	done   chan struct{}
	once   sync.Once

	mu    sync.Mutex
	queue []watch.Event
}

func newWatcher(ns string, sel selectors, onStop func(*watcher)) *watcher {
	w := &watcher{
		ns:     ns,
		sel:    sel,
		onStop: onStop,
		result: make(chan watch.Event),
		wake:   make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	go w.pump()
	return w
}

// ResultChan returns the event stream; it is closed after Stop.
func (w *watcher) ResultChan() <-chan watch.Event { return w.result }

// Stop ends the watch.
func (w *watcher) Stop() {
	w.once.Do(func() {
		close(w.done)
		if w.onStop != nil {
			w.onStop(w)
		}
	})
}

// offer queues a copy of obj when it is in the watched namespace and
// matches the selectors.
func (w *watcher) offer(typ watch.EventType, ns string, obj runtime.Object) {
	if w.ns != "" && w.ns != ns {
		return
	}
	if !w.sel.matches(obj) {
		return
	}
	w.send(watch.Event{Type: typ, Object: obj.DeepCopyObject()})
}

func (w *watcher) send(e watch.Event) {
	w.mu.Lock()
	w.queue = append(w.queue, e)
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watcher) pump() {
	defer close(w.result)
	for {
		w.mu.Lock()
		if len(w.queue) == 0 {
			w.mu.Unlock()
			select {
			case <-w.wake:
				continue
			case <-w.done:
				return
			}
		}
		e := w.queue[0]
		w.queue[0] = watch.Event{}
		w.queue = w.queue[1:]
		w.mu.Unlock()
		select {
		case w.result <- e:
		case <-w.done:
			return
		}
	}
}
