/* A sequential program that breaks the contract: its output depends on the address of a
 * stack variable (ASLR) and the process id. */
#include <stdio.h>
#include <unistd.h>
int main(void)
{
    int x = 0;
    printf("%lu %ld\n", (unsigned long)&x % 100000, (long)getpid());
    return 0;
}
