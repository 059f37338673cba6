package dmg

import "sync"

// cache keeps decoded chunks for later reads, least recently used first
// out, within max bytes; the chunk just put is always kept.
type cache struct {
	mu    sync.Mutex
	max   int64
	bytes int64
	tick  uint64
	items map[cacheKey]*cacheItem
}

// maxCacheItems bounds the chunks kept, so that evicting one stays cheap
// however small the chunks are.
const maxCacheItems = 256

type cacheKey struct{ part, chunk int }

type cacheItem struct {
	data []byte
	used uint64
}

func (c *cache) get(k cacheKey) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.items[k]
	if it == nil {
		return nil
	}
	c.tick++
	it.used = c.tick
	return it.data
}

func (c *cache) put(k cacheKey, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[cacheKey]*cacheItem{}
	}
	if _, ok := c.items[k]; ok {
		return
	}
	for (c.bytes+int64(len(data)) > c.max || len(c.items) >= maxCacheItems) && len(c.items) > 0 {
		var oldest cacheKey
		var least uint64 = 1<<64 - 1
		for key, it := range c.items {
			if it.used < least || (it.used == least && (key.part < oldest.part || key.part == oldest.part && key.chunk < oldest.chunk)) {
				oldest, least = key, it.used
			}
		}
		c.bytes -= int64(len(c.items[oldest].data))
		delete(c.items, oldest)
	}
	c.tick++
	c.items[k] = &cacheItem{data: data, used: c.tick}
	c.bytes += int64(len(data))
}
