/*
 * nbd-attach: attaches /dev/nbdN to an NBD export and keeps it attached across server restarts.
 *
 * Why not nbd-client -persist: in ioctl mode the kernel fails every request issued while the
 * connection is down (the root filesystem then aborts its journal), and a reconnect attempt that
 * finds the server still down makes it give up; in netlink mode it does not reconnect at all.
 * This helper uses the kernel's netlink interface the way it was designed for that case: it
 * connects with a dead-connection timeout (requests wait for a new connection instead of failing)
 * and a request timeout (requests stuck on a dead connection are resent), then stays in the
 * background and, whenever the kernel reports the link dead, reconnects (retrying every second)
 * and hands the kernel the new socket with NBD_CMD_RECONFIGURE.
 *
 * Usage: nbd-attach HOST-IP PORT EXPORT [DEVICE-INDEX]
 * Static, no name resolution (the host is an IP address), so it keeps working after switch_root.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { NBD_CMD_CONNECT = 1, NBD_CMD_RECONFIGURE = 3, NBD_CMD_LINK_DEAD = 4 };
enum { NBD_ATTR_INDEX = 1, NBD_ATTR_SIZE_BYTES, NBD_ATTR_BLOCK_SIZE_BYTES, NBD_ATTR_TIMEOUT,
       NBD_ATTR_SERVER_FLAGS, NBD_ATTR_CLIENT_FLAGS, NBD_ATTR_SOCKETS, NBD_ATTR_DEAD_CONN_TIMEOUT };
enum { NBD_SOCK_ITEM = 1 };
enum { NBD_SOCK_FD = 1 };

#define REQUEST_TIMEOUT 15      /* seconds before a request on a dead connection is resent */
#define DEAD_CONN_TIMEOUT 3600  /* seconds requests wait for a new connection */

static const char *host, *export_name;
static int port;
static uint32_t device_index;

static void say(const char *what) { fprintf(stderr, "nbd-attach: %s\n", what); }

static int read_all(int fd, void *buffer, size_t length) {
  for (size_t done = 0; done < length;) {
    ssize_t n = read(fd, (char *)buffer + done, length - done);
    if (n <= 0) return -1;
    done += n;
  }
  return 0;
}

static int write_all(int fd, const void *buffer, size_t length) {
  for (size_t done = 0; done < length;) {
    ssize_t n = write(fd, (const char *)buffer + done, length - done);
    if (n <= 0) return -1;
    done += n;
  }
  return 0;
}

static uint64_t be64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
  return v;
}

static void put_be32(unsigned char *p, uint32_t v) { for (int i = 3; i >= 0; i--) { p[i] = v & 0xff; v >>= 8; } }

/* TCP connect and the fixed-newstyle handshake with NBD_OPT_GO. Returns the socket, ready for
 * transmission, and the export's size and transmission flags; -1 on any failure. */
static int open_export(uint64_t *size, uint16_t *flags) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port) };
  if (fd < 0 || inet_pton(AF_INET, host, &address.sin_addr) != 1) { if (fd >= 0) close(fd); return -1; }
  if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) { close(fd); return -1; }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  unsigned char hello[18];
  if (read_all(fd, hello, 18) < 0 || memcmp(hello, "NBDMAGIC", 8) || be64(hello + 8) != 0x49484156454F5054ULL) goto fail;
  unsigned char client_flags[4];
  put_be32(client_flags, hello[17] & 3); /* FIXED_NEWSTYLE, NO_ZEROES as offered */
  size_t name_length = strlen(export_name);
  unsigned char option[16 + 4];
  memcpy(option, "IHAVEOPT", 8);
  put_be32(option + 8, 7);                              /* NBD_OPT_GO */
  put_be32(option + 12, (uint32_t)(4 + name_length + 2));
  put_be32(option + 16, (uint32_t)name_length);
  unsigned char no_requests[2] = { 0, 0 };
  if (write_all(fd, client_flags, 4) < 0 || write_all(fd, option, 20) < 0 ||
      write_all(fd, export_name, name_length) < 0 || write_all(fd, no_requests, 2) < 0) goto fail;
  int have_info = 0;
  for (;;) {
    unsigned char reply[20];
    if (read_all(fd, reply, 20) < 0 || be64(reply) != 0x0003e889045565a9ULL) goto fail;
    uint32_t type = (uint32_t)be64(reply + 8) ; /* option (hi) and type (lo) */
    uint32_t length = ((uint32_t)reply[16] << 24) | (reply[17] << 16) | (reply[18] << 8) | reply[19];
    if (length > 65536) goto fail;
    unsigned char data[65536];
    if (length && read_all(fd, data, length) < 0) goto fail;
    if (type & 0x80000000u) { say("the server refused the export"); goto fail; }
    if (type == 3 && length >= 12 && data[0] == 0 && data[1] == 0) { /* NBD_REP_INFO, NBD_INFO_EXPORT */
      *size = be64(data + 2);
      *flags = (uint16_t)((data[10] << 8) | data[11]);
      have_info = 1;
    } else if (type == 1) {                                          /* NBD_REP_ACK */
      if (have_info) return fd;
      goto fail;
    }
  }
fail:
  close(fd);
  return -1;
}

/* Generic netlink: a message being built. */
struct message { unsigned char buffer[512]; size_t length; };

static void begin(struct message *m, uint16_t family, uint8_t command) {
  memset(m, 0, sizeof *m);
  struct nlmsghdr *header = (struct nlmsghdr *)m->buffer;
  header->nlmsg_type = family;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  struct genlmsghdr *generic = (struct genlmsghdr *)(m->buffer + NLMSG_HDRLEN);
  generic->cmd = command;
  generic->version = 1;
  m->length = NLMSG_HDRLEN + GENL_HDRLEN;
}

static size_t attribute(struct message *m, uint16_t type, const void *value, size_t length) {
  size_t at = m->length;
  struct nlattr *a = (struct nlattr *)(m->buffer + at);
  a->nla_type = type;
  a->nla_len = (uint16_t)(NLA_HDRLEN + length);
  if (value) memcpy(m->buffer + at + NLA_HDRLEN, value, length);
  m->length += NLA_ALIGN(a->nla_len);
  return at;
}

static void u32_attribute(struct message *m, uint16_t type, uint32_t v) { attribute(m, type, &v, 4); }
static void u64_attribute(struct message *m, uint16_t type, uint64_t v) { attribute(m, type, &v, 8); }

static void close_nest(struct message *m, size_t at) { ((struct nlattr *)(m->buffer + at))->nla_len = (uint16_t)(m->length - at); }

static void socket_attribute(struct message *m, int fd) {
  size_t sockets = attribute(m, NBD_ATTR_SOCKETS | NLA_F_NESTED, NULL, 0);
  size_t item = attribute(m, NBD_SOCK_ITEM | NLA_F_NESTED, NULL, 0);
  u32_attribute(m, NBD_SOCK_FD, (uint32_t)fd);
  close_nest(m, item);
  close_nest(m, sockets);
}

/* Sends a request and waits for its acknowledgement; returns 0 or a negative errno. */
static int transact(int netlink, struct message *m, unsigned char *reply, size_t reply_size) {
  ((struct nlmsghdr *)m->buffer)->nlmsg_len = (uint32_t)m->length;
  if (send(netlink, m->buffer, m->length, 0) < 0) return -errno;
  for (;;) {
    ssize_t n = recv(netlink, reply, reply_size, 0);
    if (n < 0) return -errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    }
  }
}

/* Finds the "nbd" generic netlink family and its multicast group. */
static int resolve(int netlink, uint16_t *family, uint32_t *group) {
  struct message m;
  begin(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
  ((struct nlmsghdr *)m.buffer)->nlmsg_flags = NLM_F_REQUEST;
  attribute(&m, CTRL_ATTR_FAMILY_NAME, "nbd", 4);
  ((struct nlmsghdr *)m.buffer)->nlmsg_len = (uint32_t)m.length;
  if (send(netlink, m.buffer, m.length, 0) < 0) return -1;
  unsigned char reply[8192];
  ssize_t n = recv(netlink, reply, sizeof reply, 0);
  struct nlmsghdr *h = (struct nlmsghdr *)reply;
  if (n <= 0 || !NLMSG_OK(h, (size_t)n) || h->nlmsg_type == NLMSG_ERROR) return -1;
  unsigned char *p = reply + NLMSG_HDRLEN + GENL_HDRLEN, *end = reply + h->nlmsg_len;
  *family = 0;
  *group = 0;
  while (p + NLA_HDRLEN <= end) {
    struct nlattr *a = (struct nlattr *)p;
    if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) *family = *(uint16_t *)(p + NLA_HDRLEN);
    if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS) {
      unsigned char *g = p + NLA_HDRLEN, *gend = p + a->nla_len;
      while (g + NLA_HDRLEN <= gend) {
        struct nlattr *entry = (struct nlattr *)g;
        unsigned char *f = g + NLA_HDRLEN, *fend = g + entry->nla_len;
        while (f + NLA_HDRLEN <= fend) {
          struct nlattr *field = (struct nlattr *)f;
          if ((field->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_ID) *group = *(uint32_t *)(f + NLA_HDRLEN);
          f += NLA_ALIGN(field->nla_len);
        }
        g += NLA_ALIGN(entry->nla_len);
      }
    }
    p += NLA_ALIGN(a->nla_len);
  }
  return *family ? 0 : -1;
}

static int open_netlink(void) {
  int netlink = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  struct sockaddr_nl local = { .nl_family = AF_NETLINK };
  if (netlink < 0 || bind(netlink, (struct sockaddr *)&local, sizeof local) < 0) return -1;
  return netlink;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: nbd-attach HOST-IP PORT EXPORT [DEVICE-INDEX]\n");
    return 2;
  }
  host = argv[1];
  port = atoi(argv[2]);
  export_name = argv[3];
  device_index = argc > 4 ? (uint32_t)atoi(argv[4]) : 0;
  uint16_t family;
  uint32_t group;
  int netlink = open_netlink();
  if (netlink < 0 || resolve(netlink, &family, &group) < 0) { say("no nbd netlink family (is nbd.ko loaded?)"); return 1; }
  uint64_t size;
  uint16_t flags;
  int fd = open_export(&size, &flags);
  if (fd < 0) { say("cannot open the export"); return 1; }
  struct message m;
  begin(&m, family, NBD_CMD_CONNECT);
  u32_attribute(&m, NBD_ATTR_INDEX, device_index);
  u64_attribute(&m, NBD_ATTR_SIZE_BYTES, size);
  u64_attribute(&m, NBD_ATTR_BLOCK_SIZE_BYTES, 4096);
  u64_attribute(&m, NBD_ATTR_SERVER_FLAGS, flags);
  u64_attribute(&m, NBD_ATTR_TIMEOUT, REQUEST_TIMEOUT);
  u64_attribute(&m, NBD_ATTR_DEAD_CONN_TIMEOUT, DEAD_CONN_TIMEOUT);
  socket_attribute(&m, fd);
  unsigned char reply[8192];
  int result = transact(netlink, &m, reply, sizeof reply);
  if (result < 0) { fprintf(stderr, "nbd-attach: connect failed: %s\n", strerror(-result)); return 1; }
  close(fd); /* the kernel holds the socket now */
  fprintf(stderr, "nbd-attach: /dev/nbd%u attached to %s:%d/%s (%llu bytes); reconnecting on failure\n",
          device_index, host, port, export_name, (unsigned long long)size);
  if (fork() > 0) return 0; /* the parent returns to the boot script; the child watches */
  setsid();
  int events = open_netlink();
  if (events < 0 || setsockopt(events, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
    say("cannot watch for dead links; a server restart will not be survived");
    return 1;
  }
  for (;;) {
    ssize_t n = recv(events, reply, sizeof reply, 0);
    if (n <= 0) continue;
    struct nlmsghdr *h = (struct nlmsghdr *)reply;
    struct genlmsghdr *generic = (struct genlmsghdr *)NLMSG_DATA(h);
    if (h->nlmsg_type != family || generic->cmd != NBD_CMD_LINK_DEAD) continue;
    say("link dead; reconnecting");
    for (;;) {
      uint64_t new_size;
      uint16_t new_flags;
      fd = open_export(&new_size, &new_flags);
      if (fd >= 0 && new_size == size) {
        begin(&m, family, NBD_CMD_RECONFIGURE);
        u32_attribute(&m, NBD_ATTR_INDEX, device_index);
        socket_attribute(&m, fd);
        result = transact(netlink, &m, reply, sizeof reply);
        close(fd);
        if (result == 0) { say("reconnected"); break; }
        fprintf(stderr, "nbd-attach: reconfigure failed: %s\n", strerror(-result));
      } else if (fd >= 0) {
        close(fd);
        say("the export changed size; not reattaching");
      }
      sleep(1);
    }
  }
}
